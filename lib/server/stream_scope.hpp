// Which messages one SSE stream may carry (docs/security.md "Message streams"): those about a
// task or promise whose id starts with the stream's prefix. Routing asks the stream before it
// hands it a message, so a message another tenant's stream may not carry goes to a stream that
// may, or waits parked; it is never handed to the wrong one and never silently lost.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace resonate::server {

struct StreamScope {
  // "" = every message: authentication off, an admin token, or a token with prefix "".
  std::string prefix;

  // `subject` is the id the message concerns (an execute's task, an unblock's promise); a
  // message without one (a kind this server does not know) is carried by unrestricted streams
  // only, as the RPC side refuses kinds it cannot check.
  bool admits(const std::optional<std::string>& subject) const {
    if (prefix.empty()) return true;
    return subject.has_value() && std::string_view(*subject).starts_with(prefix);
  }
};

// What the token of a stream allows it: the messages it may carry, and until when (the moment
// the token stops being accepted; nullopt without authentication). A stream is closed then, so
// an expired token stops receiving; the SDK reconnects with a fresh one.
struct StreamGrant {
  StreamScope scope{};
  std::optional<std::chrono::system_clock::time_point> expires{};
};

}  // namespace resonate::server
