// Hands one outbox message to its transport: poll:// addresses go to an SSE connection picked
// by the registry, http:// addresses get a best-effort POST. At-most-once, like the outbox.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "server/sse_registry.hpp"
#include "wire/records.hpp"

namespace resonate::server {

struct ServerState;

// How many outbox messages one transaction takes for delivery.
inline constexpr std::size_t delivery_batch = 100;

// I/O thread only.
void deliver(ServerState& state, const wire::OutboxMessage& message);

// A message as sent, and the id it concerns (the task of an `execute`, the promise of an
// `unblock`; nullopt for anything else), which decides the streams that may carry it.
struct OutgoingMessage {
  std::string payload;
  std::optional<std::string> subject;
};
// An `execute` gets head.serverUrl = `server_url` (the core leaves the head empty: only the
// server knows its external address). Other messages pass unchanged. Parsed once.
OutgoingMessage prepare_message(const std::string& body, std::string_view server_url);
inline std::string with_server_url(const std::string& body, std::string_view server_url) {
  return prepare_message(body, server_url).payload;
}

// Counts the messages a departed stream had not sent by where they went, and logs the parked
// messages evicted to make room for them.
void count_redelivery(ServerState& state, const SseRegistry::Redelivery& redelivery);

}  // namespace resonate::server
