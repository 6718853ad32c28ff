// Typed exceptions of the Resonate SDK.
//
// A durable function that throws has its error stored in its promise (encoded like the
// TypeScript SDK: {"__type":"error","name","message"}); whoever awaits that promise, in this
// process or another, gets it back as an ExecutionError carrying the same name and message.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace resonate {

// Base of every exception the SDK throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A durable function failed; `name()` is the error's type name as stored ("Error" when the
// thrower gave none, e.g. a std::exception).
class ExecutionError : public Error {
 public:
  explicit ExecutionError(const std::string& message, std::string name = "Error")
      : Error(message), name_(std::move(name)) {}
  const std::string& name() const noexcept { return name_; }

 private:
  std::string name_;
};

// Throw this (or a subclass) from a durable step to fail it at once, without retries.
class NonRetryableError : public ExecutionError {
 public:
  explicit NonRetryableError(const std::string& message)
      : ExecutionError(message, "NonRetryableError") {}

 protected:
  NonRetryableError(const std::string& message, std::string name) : ExecutionError(message, std::move(name)) {}
};

// A replay made a different durable call than the execution recorded at the same position:
// the function's code changed in a way its running executions cannot follow (the one rule of
// durable functions, docs/concepts.md "Determinism"). The message names the position, the
// recorded call and the current one. Thrown by `handle.result()` when the worker was told to
// fail such executions (Nondeterminism::fail); by default they are parked instead.
class NonDeterminismError : public NonRetryableError {
 public:
  explicit NonDeterminismError(const std::string& message) : NonRetryableError(message, "NonDeterminismError") {}
};

// The awaited promise was canceled (settled rejected_canceled from outside).
class CanceledError : public Error {
 public:
  using Error::Error;
};

// The awaited promise reached its timeout before it was settled.
class TimedOutError : public Error {
 public:
  using Error::Error;
};

// No promise with the requested id exists (Resonate::get).
class NotFoundError : public Error {
 public:
  using Error::Error;
};

// The server or transport failed (unreachable, unexpected status, malformed answer).
class PlatformError : public Error {
 public:
  using Error::Error;
};

// The server refused the request's credentials: HTTP or envelope status 401 (no valid bearer
// token: none sent, malformed, expired, or for another issuer or audience) or 403 (the token's
// claims do not permit the operation, e.g. its prefix does not cover the promise id).
//
// An AuthError is a PlatformError, so code that handles server failures handles it too; but
// unlike other PlatformErrors the SDK never retries it: it ends the call or wait that met it
// (`co_await resonate.run(...)`, `handle.result()`, `Resonate::connected()`), since waiting
// does not make a refused token valid. Fix the token (RemoteConfig::token, token_provider).
class AuthError : public PlatformError {
 public:
  AuthError(const std::string& message, int status) : PlatformError(message), status_(status) {}
  // 401 or 403.
  int status() const noexcept { return status_; }

 private:
  int status_;
};

// A stored value could not be converted to the requested C++ type, or arguments did not
// match the registered function's parameters.
class DecodeError : public Error {
 public:
  using Error::Error;
};

}  // namespace resonate
