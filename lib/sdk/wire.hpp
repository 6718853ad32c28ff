// Payloads and envelopes as the TypeScript SDK 0.11.5 writes them (resonate-protocol.md
// §5.4): values are base64(JSON), invocations {"func","args","version"}, errors
// {"__type":"error","name","message"}.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "resonate/detail/outcome.hpp"
#include "wire/records.hpp"

namespace resonate::sdk {

using detail::Outcome;

wire::Value encode_value(const boost::json::value& json);
// The JSON inside a Value; null when it carries no data. Throws DecodeError when the data
// is not base64 of JSON.
boost::json::value decode_value(const wire::Value& value);

// The outcome of a settled promise.
Outcome outcome_of(const wire::Promise& promise);
// The wire state and value for settling a promise with `outcome`.
std::string_view settle_state(const Outcome& outcome);

// The param of a promise that invokes a registered function.
wire::Value invocation_param(std::string_view func, const boost::json::array& args, int version);

struct Invocation {
  std::string func;
  boost::json::array args;
  int version = 1;
};
// Reads an invocation param; accepts args as an array, a scalar or null (Rust SDK shapes).
// Throws DecodeError when the param is not an invocation.
Invocation read_invocation(const wire::Value& param);

// An outcome that rejects with an error of this name and message.
Outcome error_outcome(std::string_view name, std::string_view message);

// A request envelope with a fresh corrId.
boost::json::object request(std::string_view kind, boost::json::object data, const std::string& token);
// head.status of a response envelope (0 when missing).
int status_of(const boost::json::object& response);
// The data member (an object when the status is 2xx/3xx) or an empty object.
const boost::json::object& data_of(const boost::json::object& response);
// The error message of a non-2xx response.
std::string message_of(const boost::json::object& response);

}  // namespace resonate::sdk
