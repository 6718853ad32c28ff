#include "server/sse_stream.hpp"

#include <memory>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>

#include "server/server_state.hpp"

namespace resonate::server {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// The TCP socket under a connection, which closes it whatever runs above it.
Socket& tcp_socket(Socket& socket) { return socket; }
Socket& tcp_socket(TlsStream& stream) { return stream.next_layer().socket(); }

// The connection and the guard that closes it when a write stalls (a consumer that stopped
// reading must not pin the connection and its queue forever). Shared with the close watcher.
template <class Connection>
struct EventStream {
  explicit EventStream(Connection c) : connection(std::move(c)), write_deadline(connection.get_executor()) {}
  Connection connection;
  asio::steady_timer write_deadline;

  // No TLS close_notify: the stream's chunked framing tells a complete stream from a cut one.
  void close() {
    boost::system::error_code ignored;
    tcp_socket(connection).shutdown(tcp::socket::shutdown_both, ignored);
    tcp_socket(connection).close(ignored);
  }
};

// Runs one write started by `start_write()`; the socket is closed if it takes longer than
// `timeout`. True when the write succeeded.
template <class Connection, class StartWrite>
asio::awaitable<bool> write_with_deadline(const std::shared_ptr<EventStream<Connection>>& stream,
                                          std::chrono::milliseconds timeout, StartWrite start_write) {
  stream->write_deadline.expires_after(timeout);
  stream->write_deadline.async_wait([weak = std::weak_ptr(stream)](const boost::system::error_code& error) {
    if (error) return;  // cancelled: the write finished in time
    if (auto alive = weak.lock()) alive->close();
  });
  auto [error, written] = co_await start_write();
  stream->write_deadline.cancel();
  co_return !error;
}

template <class Connection>
asio::awaitable<bool> write_chunk(const std::shared_ptr<EventStream<Connection>>& stream, std::string_view bytes,
                                  std::chrono::milliseconds timeout) {
  co_return co_await write_with_deadline(stream, timeout, [&] {
    return asio::async_write(stream->connection, http::make_chunk(asio::buffer(bytes)));
  });
}

// Reads (and discards) whatever the client sends until it hangs up, then closes the stream's
// registry entry so routing stops choosing it.
// (Over TLS this read runs beside the stream's writes: an SSL stream allows one of each at a
// time, on one strand, here the server's single I/O thread.)
template <class Connection>
asio::awaitable<void> watch_for_close(std::shared_ptr<EventStream<Connection>> stream,
                                      std::shared_ptr<SseConnection> connection) {
  char sink[256];
  for (;;) {
    auto [error, read] = co_await stream->connection.async_read_some(asio::buffer(sink));
    if (error) break;
  }
  connection->close();
}

template <class Connection>
asio::awaitable<void> refuse(Connection connection, ServerState& state) {
  http::response<http::string_body> response{http::status::service_unavailable, 11};
  response.set(http::field::content_type, "text/plain");
  response.body() = "Poll registration at capacity";
  response.keep_alive(false);
  response.prepare_payload();
  auto stream = std::make_shared<EventStream<Connection>>(std::move(connection));
  co_await write_with_deadline(stream, state.config.write_timeout, [&] {
    return http::async_write(stream->connection, response);
  });
  stream->close();
}

}  // namespace

template <class Connection>
asio::awaitable<void> serve_event_stream(ServerState& state, Connection socket, std::string group, std::string id) {
  auto connection = state.registry.connect(group, id, state.io.get_executor());
  if (!connection) {
    state.log.warn("poll connection refused: at capacity", {{"group", group}, {"id", id}});
    co_await refuse(std::move(socket), state);
    co_return;
  }
  state.log.debug("poll connected", {{"group", group}, {"id", id}, {"connections", state.registry.size()}});
  auto stream = std::make_shared<EventStream<Connection>>(std::move(socket));

  http::response<http::empty_body> head{http::status::ok, 11};
  head.set(http::field::content_type, "text/event-stream");
  head.set(http::field::cache_control, "no-cache");
  head.chunked(true);
  http::response_serializer<http::empty_body> serializer{head};
  bool open = co_await write_with_deadline(stream, state.config.write_timeout, [&] {
    return http::async_write_header(stream->connection, serializer);
  });
  if (open) asio::co_spawn(state.io, watch_for_close(stream, connection), asio::detached);

  while (open && !connection->closed()) {
    auto events = connection->take_all();
    if (events.empty()) {
      const bool woken = co_await connection->wait(state.config.sse_keepalive);
      if (!woken) open = co_await write_chunk(stream, ":\n\n", state.config.write_timeout);
      continue;
    }
    std::string payload;
    for (const auto& event : events) {
      payload += "data: ";
      payload += event;
      payload += "\n\n";
    }
    open = co_await write_chunk(stream, payload, state.config.write_timeout);
  }

  state.registry.disconnect(connection);
  // Dropped events were taken from the outbox already: the retry timer covers executes.
  if (open && state.stopping) {
    co_await write_with_deadline(stream, state.config.write_timeout, [&] {
      return asio::async_write(stream->connection, http::make_chunk_last());
    });
  }
  stream->close();
  state.log.debug("poll disconnected", {{"group", group}, {"id", id}, {"connections", state.registry.size()}});
}

template asio::awaitable<void> serve_event_stream<Socket>(ServerState&, Socket, std::string, std::string);
template asio::awaitable<void> serve_event_stream<TlsStream>(ServerState&, TlsStream, std::string, std::string);

}  // namespace resonate::server
