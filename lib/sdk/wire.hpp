// Payloads and envelopes as the TypeScript SDK 0.11.5 writes them (resonate-protocol.md
// §5.4): values are base64(JSON), invocations {"func","args","version"}, errors
// {"__type":"error","name","message"}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "resonate/detail/outcome.hpp"
#include "resonate/encryptor.hpp"
#include "resonate/errors.hpp"
#include "resonate/options.hpp"
#include "wire/envelope.hpp"
#include "wire/records.hpp"
#include "wire/requests.hpp"

namespace resonate::sdk {

using detail::Outcome;

// Every function below that writes or reads a payload takes the configured Encryptor
// (resonate/encryptor.hpp; nullptr: none): encode_value encrypts what it encoded,
// decode_value decrypts before decoding.
wire::Value encode_value(const boost::json::value& json, const Encryptor* encryptor = nullptr);
// The JSON inside a Value; null when it carries no data. Throws DecodeError when the data
// cannot be decrypted or is not base64 of JSON.
boost::json::value decode_value(const wire::Value& value, const Encryptor* encryptor = nullptr);

// The outcome of a settled promise.
Outcome outcome_of(const wire::Promise& promise, const Encryptor* encryptor = nullptr);
// The settlement of promise `id` with `outcome`.
wire::PromiseSettle settlement(std::string id, const Outcome& outcome, const Encryptor* encryptor = nullptr);

// The param of a promise that invokes a registered function (with the retry policy the
// executing worker applies, when there is one).
wire::Value invocation_param(std::string_view func, const boost::json::array& args, int version,
                             const std::optional<RetryPolicy>& retry = std::nullopt,
                             const Encryptor* encryptor = nullptr);

struct Invocation {
  std::string func;
  boost::json::array args;
  int version = 1;
  std::optional<RetryPolicy> retry;  // none: the function is not retried
};
// Reads an invocation param; accepts args as an array, a scalar or null (Rust SDK shapes).
// Throws DecodeError when the param is not an invocation.
Invocation read_invocation(const wire::Value& param, const Encryptor* encryptor = nullptr);

// An outcome that rejects with an error of this name and message.
Outcome error_outcome(std::string_view name, std::string_view message);
// The "message" of an encoded error (empty when it has none), for logs and traces.
std::string error_message(const Outcome& rejection);

// A fresh corrId: a random per-process prefix and a counter.
std::string next_corr_id();

// Reads the data of a successful answer to `kind` with `read` (wire/responses.hpp); an answer
// that does not have the expected shape is a PlatformError that names the request.
template <typename Result>
Result read_answer(const wire::Response& response, std::string_view kind, Result (*read)(const boost::json::value&)) {
  try {
    return read(response.data);
  } catch (const std::exception& error) {
    throw PlatformError("malformed answer to " + std::string(kind) + ": " + error.what());
  }
}
// The same with a reader that takes the data over (the response is left without it).
template <typename Result>
Result read_answer(wire::Response&& response, std::string_view kind, Result (*read)(boost::json::value&&)) {
  try {
    return read(std::move(response.data));
  } catch (const std::exception& error) {
    throw PlatformError("malformed answer to " + std::string(kind) + ": " + error.what());
  }
}

}  // namespace resonate::sdk
