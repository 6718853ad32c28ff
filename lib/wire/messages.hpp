// The messages the server pushes to workers (docs/resonate-protocol.md §1.6): `execute` offers
// a task, `unblock` tells a listener that a promise settled. Written with `head: {}`; the
// delivering transport adds head.serverUrl to execute messages.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "wire/records.hpp"

namespace resonate::wire {

struct ExecuteMessage {
  static constexpr std::string_view kind = "execute";
  std::string task_id;
  std::int64_t version = 0;
};

struct UnblockMessage {
  static constexpr std::string_view kind = "unblock";
  Promise promise;  // as read by message_from_json: the whole record when it reads as one, else the id alone
};

using Message = std::variant<ExecuteMessage, UnblockMessage>;

boost::json::object to_json(const ExecuteMessage& message);
boost::json::object to_json(const UnblockMessage& message);

// Liberal, for workers: nullopt for a kind it does not know or a message without the fields
// it needs; extra fields are ignored. An unblock needs only the promise's id.
std::optional<Message> message_from_json(const boost::json::value& message);

}  // namespace resonate::wire
