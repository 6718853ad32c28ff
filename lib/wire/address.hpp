// Delivery addresses (docs/resonate-protocol.md §1.5): where execute/unblock messages go.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace resonate::wire {

struct PollAddress {
  enum class Cast { any, uni };
  Cast cast = Cast::any;
  std::string group;
  std::string id;  // optional preferred (any) or required (uni) worker id; empty when absent
};

struct Address {
  enum class Kind { poll, http };
  Kind kind = Kind::poll;
  PollAddress poll;   // when kind == poll
  std::string url;    // the whole address
};

// Parses `poll://any@group[/id]`, `poll://uni@group/id`, `http://…`, `https://…`.
// Anything else (unknown scheme, missing cast or group, `local://`) is nullopt.
std::optional<Address> parse_address(std::string_view text);

}  // namespace resonate::wire
