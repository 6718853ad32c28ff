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

// The socket and the guard that closes it when a write stalls (a consumer that stopped
// reading must not pin the connection and its queue forever). Shared with the close watcher.
struct StreamSocket {
  explicit StreamSocket(Socket s) : socket(std::move(s)), write_deadline(socket.get_executor()) {}
  Socket socket;
  asio::steady_timer write_deadline;

  void close() {
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }
};

// Runs one write started by `start_write()`; the socket is closed if it takes longer than
// `timeout`. True when the write succeeded.
template <class StartWrite>
asio::awaitable<bool> write_with_deadline(const std::shared_ptr<StreamSocket>& stream, std::chrono::milliseconds timeout,
                                          StartWrite start_write) {
  stream->write_deadline.expires_after(timeout);
  stream->write_deadline.async_wait([weak = std::weak_ptr(stream)](const boost::system::error_code& error) {
    if (error) return;  // cancelled: the write finished in time
    if (auto alive = weak.lock()) alive->close();
  });
  auto [error, written] = co_await start_write();
  stream->write_deadline.cancel();
  co_return !error;
}

asio::awaitable<bool> write_chunk(const std::shared_ptr<StreamSocket>& stream, std::string_view bytes,
                                  std::chrono::milliseconds timeout) {
  co_return co_await write_with_deadline(stream, timeout, [&] {
    return asio::async_write(stream->socket, http::make_chunk(asio::buffer(bytes)));
  });
}

// Reads (and discards) whatever the client sends until it hangs up, then closes the stream's
// registry entry so routing stops choosing it.
asio::awaitable<void> watch_for_close(std::shared_ptr<StreamSocket> stream, std::shared_ptr<SseConnection> connection) {
  char sink[256];
  for (;;) {
    auto [error, read] = co_await stream->socket.async_read_some(asio::buffer(sink));
    if (error) break;
  }
  connection->close();
}

asio::awaitable<void> refuse(Socket socket, ServerState& state) {
  http::response<http::string_body> response{http::status::service_unavailable, 11};
  response.set(http::field::content_type, "text/plain");
  response.body() = "Poll registration at capacity";
  response.keep_alive(false);
  response.prepare_payload();
  auto stream = std::make_shared<StreamSocket>(std::move(socket));
  co_await write_with_deadline(stream, state.config.write_timeout, [&] {
    return http::async_write(stream->socket, response);
  });
  stream->close();
}

}  // namespace

asio::awaitable<void> serve_event_stream(ServerState& state, Socket socket, std::string group, std::string id) {
  auto connection = state.registry.connect(group, id, state.io.get_executor());
  if (!connection) {
    state.log.warn("poll connection refused: at capacity", {{"group", group}, {"id", id}});
    co_await refuse(std::move(socket), state);
    co_return;
  }
  state.log.debug("poll connected", {{"group", group}, {"id", id}, {"connections", state.registry.size()}});
  auto stream = std::make_shared<StreamSocket>(std::move(socket));

  http::response<http::empty_body> head{http::status::ok, 11};
  head.set(http::field::content_type, "text/event-stream");
  head.set(http::field::cache_control, "no-cache");
  head.chunked(true);
  http::response_serializer<http::empty_body> serializer{head};
  bool open = co_await write_with_deadline(stream, state.config.write_timeout, [&] {
    return http::async_write_header(stream->socket, serializer);
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
      return asio::async_write(stream->socket, http::make_chunk_last());
    });
  }
  stream->close();
  state.log.debug("poll disconnected", {{"group", group}, {"id", id}, {"connections", state.registry.size()}});
}

}  // namespace resonate::server
