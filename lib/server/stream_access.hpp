// Who may open which SSE stream, `GET /poll/{group}/{pid}`, when authentication is on: decided
// from a verified token's claims alone (docs/security.md "Message streams").
//
//  1. `role` "admin" (any letter case): every stream, carrying every message.
//  2. Otherwise `prefix` must be a string, as for RPCs (absent or another type: refused).
//  3. A `groups` claim, when present, must be an array of strings and list the group; the
//     worker id is then free (SDKs pick random ones). Without a `groups` claim the group and the
//     worker id must both start with the prefix ("" allows every stream).
//  4. The stream then carries only the messages about ids that start with the prefix
//     (StreamScope), whatever address they were sent to.
//
// Rule 3 decides who may *listen* where; rule 4 is the defence in depth that keeps another
// tenant's values and work off a stream even when both share a group.
// Pure: no clock, no socket; the caller verifies the token first.
#pragma once

#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "server/stream_scope.hpp"

namespace resonate::server {

struct StreamAccess {
  bool allowed = false;
  std::string refusal{};  // when refused: why, for the 403's body (the caller's own claims only)
  StreamScope scope{};    // when allowed: what the stream may carry
};

StreamAccess stream_access(const boost::json::object& claims, std::string_view group, std::string_view pid);

}  // namespace resonate::server
