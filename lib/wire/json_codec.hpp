// JSON form of the protocol records, in the one place that knows the wire shapes.
// Writers omit absent optional fields (never null). value_from_json and tags_from_json read
// requests and are strict: a wrong type throws InvalidRequest with a message fit for a 400
// answer. The record readers (promise_, task_, schedule_from_json) read other servers' answers
// and are liberal where implementations differ (../shared/docs/resonate-protocol.md §5.9):
// param, value, headers and tags may be absent, null or `{}`; `resumes` may be a count, an
// array or a boolean; createdAt, settledAt, ttl and pid may be absent or null; extra members are
// ignored. Only the members a client cannot do without (id, state, version, timeoutAt,
// nextRunAt, …) throw InvalidRequest when missing or mistyped.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "wire/records.hpp"

namespace resonate::wire {

// A request that is well-formed JSON but not a valid protocol request (HTTP 400).
class InvalidRequest : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

boost::json::object to_json(const Value& value);
boost::json::object to_json(const Tags& tags);
boost::json::object to_json(const Promise& promise);
boost::json::object to_json(const Task& task);
boost::json::object to_json(const Schedule& schedule);

// `what` names the field in error messages ("param", "value", "promiseParam").
Value value_from_json(const boost::json::value& json, std::string_view what);
Tags tags_from_json(const boost::json::value& json, std::string_view what);
Promise promise_from_json(const boost::json::value& json);
Task task_from_json(const boost::json::value& json);
Schedule schedule_from_json(const boost::json::value& json);

// Compact JSON text of a record, and back (used by the stores for their JSON columns).
std::string to_text(const Value& value);
std::string to_text(const Tags& tags);
Value value_from_text(std::string_view text);
Tags tags_from_text(std::string_view text);

}  // namespace resonate::wire
