// Serves `GET /poll/{group}/{id}`: registers the connection, answers 200 text/event-stream
// (chunked), then writes each queued message as one unnamed event `data: <json>\n\n` and a
// `:` comment after sse_keepalive of silence (Node's fetch cuts bodies idle for 300 s).
// A concurrent read notices the client hanging up at once, so the registry never routes work
// to a worker that is gone.
#pragma once

#include <string>

#include <boost/asio/awaitable.hpp>

#include "server/awaitable_io.hpp"

namespace resonate::server {

struct ServerState;

// Owns `socket` from here on; returns when the stream ends (client gone, write timeout, or
// shutdown). At capacity it answers 503 instead.
boost::asio::awaitable<void> serve_event_stream(ServerState& state, Socket socket,
                                                std::string group, std::string id);

}  // namespace resonate::server
