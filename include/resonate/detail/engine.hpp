// The engine's seams used by the templates of the public headers (internal).
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <typeinfo>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>

#include "resonate/detail/outcome.hpp"
#include "resonate/options.hpp"

namespace resonate {
class Context;
}

namespace resonate::detail {

// What identifies one execution of a function or step (Context's accessors).
struct ExecutionInfo {
  std::string id;
  std::string parent;
  std::string origin;
  std::string branch;
  std::int64_t timeout_at = 0;
  int version = 1;
  int attempt = 1;
};

// A readable name of a type (demangled), the same for g++ and clang builds.
std::string signature_name(const std::type_info& type);

// Encodes the exception in flight as a rejection (TS SDK shape: {"__type":"error",...}).
Outcome rejection_of(const std::exception_ptr& error);

// One ctx.run step of an execution: its durable promise and, while it runs, its context.
class Step {
 public:
  virtual ~Step() = default;
  virtual const std::string& id() const = 0;
  // Creates the step's promise or reads it back; the stored outcome when it is settled.
  virtual boost::asio::awaitable<std::optional<Outcome>> open() = 0;
  // The context a workflow step runs with (its own id namespace).
  virtual Context& context() = 0;
  // How long to wait before retrying after `error` on attempt `attempt` (0-based), or
  // nothing when the step must fail now.
  virtual std::optional<std::chrono::milliseconds> retry_delay(const std::exception_ptr& error,
                                                               int attempt) = 0;
  virtual boost::asio::awaitable<void> pause(std::chrono::milliseconds delay) = 0;
  // Settles the promise; returns the stored outcome (the first writer wins).
  virtual boost::asio::awaitable<Outcome> close(Outcome outcome) = 0;
  // Runs `body` concurrently with the caller; the awaiter yields its outcome.
  virtual std::shared_ptr<Awaiter> spawn(boost::asio::awaitable<Outcome> body) = 0;
};

// An awaiter whose outcome is already known.
std::shared_ptr<Awaiter> settled_awaiter(std::string id, Outcome outcome);

// A call to a registered function by name (Resonate::run/rpc, Context::rpc).
struct CallSpec {
  std::string id;  // minted when the call is made (children) or given by the user (roots)
  std::string func;
  boost::json::array args;
  Options options;
  bool run_here = false;  // Resonate::run: execute in this process when possible
};

class Caller {
 public:
  virtual ~Caller() = default;
  virtual boost::asio::any_io_executor executor() const = 0;
  // Creates (or finds) the call's promise; the awaiter yields its outcome.
  virtual boost::asio::awaitable<std::shared_ptr<Awaiter>> start(CallSpec spec) = 0;
};

}  // namespace resonate::detail
