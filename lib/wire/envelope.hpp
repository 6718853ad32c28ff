// The envelopes around requests and responses (docs/resonate-protocol.md §1): `kind`, a
// `head` (corrId, protocol version, auth token or status) and the `data`
// (wire/requests.hpp, wire/responses.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "wire/records.hpp"

namespace resonate::wire {

struct RequestEnvelope {
  std::string kind;
  std::string corr_id;
  std::optional<std::string> auth{};  // head.auth: a bearer token
  boost::json::object data{};
};

// The envelope of a typed request (wire/requests.hpp).
template <typename Request>
RequestEnvelope envelope_of(const Request& request, std::string corr_id, std::optional<std::string> auth = {}) {
  return {std::string(Request::kind), std::move(corr_id), std::move(auth), to_json(request)};
}

// By value: the data moves into the envelope.
boost::json::object to_json(RequestEnvelope envelope);

// A request as the server reads it: views into the parsed JSON it came from.
struct ReceivedRequest {
  std::string_view kind;
  std::string_view corr_id;
  const boost::json::object& head;
  const boost::json::object& data;
};

// Checks the envelope (an object with a non-empty kind, a head with a string corrId and the
// supported version, an object data). Throws InvalidRequest with the first problem.
ReceivedRequest read_request_envelope(const boost::json::value& request);

// What identifies a request in its answer, read leniently so that even a malformed envelope
// gets an answer its sender can match: kind "unknown" and corrId "0" when absent.
struct RequestIdentity {
  std::string kind = "unknown";
  std::string corr_id = "0";
};
RequestIdentity identify_request(const boost::json::value& request);

struct Response {
  std::string kind;
  std::string corr_id;
  int status = 0;
  boost::json::value data{};  // the response's data; its message (a string) when status >= 400

  bool ok() const { return status == 200; }
  // The error message of a failed response, or "status N" when it carries none.
  std::string message() const;
};

boost::json::object to_json(Response response);
// Liberal: a missing head or status reads as status 0, a missing data as null.
Response response_from_json(const boost::json::value& response);
// The same, moving the data out of `response` instead of copying it.
Response response_from_json(boost::json::value&& response);

}  // namespace resonate::wire
