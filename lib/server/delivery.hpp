// Hands one outbox message to its transport: poll:// addresses go to an SSE connection picked
// by the registry, http:// addresses get a best-effort POST. At-most-once, like the outbox.
#pragma once

#include <string>
#include <string_view>

#include "wire/records.hpp"

namespace resonate::server {

struct ServerState;

// I/O thread only.
void deliver(ServerState& state, const wire::OutboxMessage& message);

// The message JSON as sent: an `execute` gets head.serverUrl = `server_url` (the core leaves
// the head empty: only the server knows its external address). Other messages pass unchanged.
std::string with_server_url(const std::string& body, std::string_view server_url);

}  // namespace resonate::server
