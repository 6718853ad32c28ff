// Serves `GET /poll/{group}/{id}`: registers the connection, answers 200 text/event-stream
// (chunked), then writes each queued message as one unnamed event `data: <json>\n\n` and a
// `:` comment after sse_keepalive of silence (Node's fetch cuts bodies idle for 300 s).
// A concurrent read notices the client hanging up at once, so the registry never routes work
// to a worker that is gone.
// A client that stays connected but stops reading is cut: when its queue is full
// (SseQueue's bounds) or when one write takes longer than write_timeout, with a warn line
// naming the stream and why. A stream whose token expires ends cleanly at that moment. Either
// way, what the stream had not sent is routed again (SseRegistry::disconnect).
#pragma once

#include <string>

#include <boost/asio/awaitable.hpp>

#include "server/awaitable_io.hpp"
#include "server/stream_scope.hpp"

namespace resonate::server {

struct ServerState;

// Owns `connection` from here on: a plain TCP Socket, or a TlsStream after its handshake (its
// Stream without deadline: the stream's writes have their own). Returns when the stream ends
// (client gone, cut, token expired, or shutdown). At capacity it answers 503 instead.
// `grant`: what the request's token allows the stream (everything without authentication).
template <class Connection>
boost::asio::awaitable<void> serve_event_stream(ServerState& state, Connection connection, std::string group,
                                                std::string id, StreamGrant grant);

extern template boost::asio::awaitable<void> serve_event_stream<Socket>(ServerState&, Socket, std::string, std::string,
                                                                        StreamGrant);
extern template boost::asio::awaitable<void> serve_event_stream<TlsStream>(ServerState&, TlsStream, std::string,
                                                                           std::string, StreamGrant);

}  // namespace resonate::server
