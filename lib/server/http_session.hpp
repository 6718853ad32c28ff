// One accepted TCP connection: HTTP/1.1 requests with keep-alive, until the client closes,
// a read times out (slow or idle client), a response says close, or the server shuts down.
// A `GET /poll/…` turns the connection into an SSE stream (sse_stream.hpp).
#pragma once

#include <boost/asio/awaitable.hpp>

#include "server/awaitable_io.hpp"

namespace resonate::server {

struct ServerState;

// Never throws: every failure ends the connection (and is logged at debug level).
boost::asio::awaitable<void> serve_http_connection(ServerState& state, Socket socket);

}  // namespace resonate::server
