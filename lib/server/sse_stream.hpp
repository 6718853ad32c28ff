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

// Owns `connection` from here on: a plain TCP Socket, or a TlsStream after its handshake (its
// Stream without deadline: the stream's writes have their own). Returns when the stream ends
// (client gone, write timeout, or shutdown). At capacity it answers 503 instead.
template <class Connection>
boost::asio::awaitable<void> serve_event_stream(ServerState& state, Connection connection,
                                                std::string group, std::string id);

extern template boost::asio::awaitable<void> serve_event_stream<Socket>(ServerState&, Socket, std::string,
                                                                        std::string);
extern template boost::asio::awaitable<void> serve_event_stream<TlsStream>(ServerState&, TlsStream, std::string,
                                                                           std::string);

}  // namespace resonate::server
