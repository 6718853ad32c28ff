#include "server/sse_stream.hpp"

#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>

#include "server/delivery.hpp"
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
  // Told when a write missed its deadline, before the socket is closed.
  std::function<void()> on_stall;

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
    auto alive = weak.lock();
    if (!alive) return;
    if (alive->on_stall) alive->on_stall();
    alive->close();
  });
  auto [error, written] = co_await start_write();
  stream->write_deadline.cancel();
  co_return !error;
}

template <class Connection, class Buffers>
asio::awaitable<bool> write_chunk(const std::shared_ptr<EventStream<Connection>>& stream, const Buffers& buffers,
                                  std::chrono::milliseconds timeout) {
  co_return co_await write_with_deadline(stream, timeout, [&] {
    return asio::async_write(stream->connection, http::make_chunk(buffers));
  });
}

// One chunk of events `data: <json>\n\n` for the messages in flight. Small events are joined
// into one buffer (over TLS every buffer becomes a record of its own); large payloads are sent
// from where they are, not copied again, so a stream holding large values does not hold them
// twice while writing.
class EventChunk {
 public:
  explicit EventChunk(const std::deque<StreamMessage>& batch) {
    constexpr std::size_t copied_below = 16 * 1024;
    std::string joining;
    const auto flush = [&] {
      if (joining.empty()) return;
      joined_.push_back(std::exchange(joining, {}));  // a deque never moves its elements
      buffers_.push_back(asio::buffer(joined_.back()));
    };
    for (const auto& message : batch) {
      joining += "data: ";
      if (message.payload.size() < copied_below) {
        joining += message.payload;
      } else {
        flush();
        buffers_.push_back(asio::buffer(message.payload));
      }
      joining += "\n\n";
    }
    flush();
  }
  EventChunk(const EventChunk&) = delete;
  EventChunk& operator=(const EventChunk&) = delete;

  const std::vector<asio::const_buffer>& buffers() const { return buffers_; }

 private:
  std::deque<std::string> joined_;
  std::vector<asio::const_buffer> buffers_;
};

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
  connection->close(StreamEnd::client_closed);
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

// Closes the stream when its token stops being accepted, so a revoked (short-lived) token
// stops receiving; the client reconnects with a fresh one.
void close_at_expiry(asio::steady_timer& timer, const StreamGrant& grant,
                     const std::shared_ptr<SseConnection>& connection) {
  if (!grant.expires) return;
  const auto left = *grant.expires - std::chrono::system_clock::now();
  timer.expires_after(std::chrono::duration_cast<asio::steady_timer::duration>(left));
  timer.async_wait([weak = std::weak_ptr(connection)](const boost::system::error_code& error) {
    if (error) return;
    if (auto alive = weak.lock()) alive->close(StreamEnd::token_expired);
  });
}

// One line per stream that ends, at a level that says whether anyone has to act.
void log_end(ServerState& state, const SseConnection& connection, StreamEnd reason, std::size_t held_bytes,
             const SseRegistry::Redelivery& redelivery) {
  const auto& group = connection.group();
  const auto& id = connection.id();
  const auto unsent = redelivery.queued + redelivery.parked + redelivery.no_connection;
  switch (reason) {
    case StreamEnd::queue_full:
    case StreamEnd::write_stalled:
      state.log.warn(reason == StreamEnd::queue_full
                         ? "poll stream cut: its client is not reading and its queue is full"
                         : "poll stream cut: its client is not reading and a write stalled past the write timeout",
                     {{"group", group},
                      {"id", id},
                      {"reason", to_string(reason)},
                      {"held_messages", unsent},
                      {"held_bytes", held_bytes},
                      {"queue_limit_messages", connection.queue().limits().messages},
                      {"queue_limit_bytes", connection.queue().limits().bytes},
                      {"write_timeout_ms", state.config.write_timeout.count()},
                      {"requeued", redelivery.queued},
                      {"parked", redelivery.parked},
                      {"dropped", redelivery.no_connection},
                      {"connections", state.registry.size()}});
      break;
    case StreamEnd::token_expired:
      state.log.info("poll stream closed: its token expired; the client must reconnect with a fresh one",
                     {{"group", group}, {"id", id}, {"requeued", redelivery.queued}, {"parked", redelivery.parked}});
      break;
    case StreamEnd::client_closed:
    case StreamEnd::shutdown:
      state.log.debug("poll disconnected", {{"group", group},
                                            {"id", id},
                                            {"reason", to_string(reason)},
                                            {"unsent", unsent},
                                            {"connections", state.registry.size()}});
      break;
  }
}

}  // namespace

template <class Connection>
asio::awaitable<void> serve_event_stream(ServerState& state, Connection socket, std::string group, std::string id,
                                         StreamGrant grant) {
  auto connection = state.registry.connect(group, id, state.io.get_executor(), grant.scope);
  if (!connection) {
    state.log.warn("poll connection refused: at capacity", {{"group", group}, {"id", id}});
    co_await refuse(std::move(socket), state);
    co_return;
  }
  state.log.debug("poll connected", {{"group", group}, {"id", id}, {"connections", state.registry.size()}});
  // Among replicas the shared outbox may hold messages that waited for this member.
  if (state.shared_store) state.request_delivery();
  auto stream = std::make_shared<EventStream<Connection>>(std::move(socket));
  connection->on_cut([weak = std::weak_ptr(stream)] {
    if (auto alive = weak.lock()) alive->close();
  });
  stream->on_stall = [weak = std::weak_ptr(connection)] {
    if (auto alive = weak.lock()) alive->close(StreamEnd::write_stalled);
  };
  asio::steady_timer expiry(state.io);
  close_at_expiry(expiry, grant, connection);

  http::response<http::empty_body> head{http::status::ok, 11};
  head.set(http::field::content_type, "text/event-stream");
  head.set(http::field::cache_control, "no-cache");
  head.chunked(true);
  http::response_serializer<http::empty_body> serializer{head};
  bool open = co_await write_with_deadline(stream, state.config.write_timeout, [&] {
    return http::async_write_header(stream->connection, serializer);
  });
  if (open) asio::co_spawn(state.io, watch_for_close(stream, connection), asio::detached);

  static constexpr std::string_view keepalive = ":\n\n";
  const auto keepalive_buffer = asio::buffer(keepalive);
  while (open && !connection->closed()) {
    auto& queue = connection->queue();
    if (queue.idle()) {
      const bool woken = co_await connection->wait(state.config.sse_keepalive);
      if (!woken) open = co_await write_chunk(stream, keepalive_buffer, state.config.write_timeout);
      continue;
    }
    const EventChunk chunk(queue.start_write());
    open = co_await write_chunk(stream, chunk.buffers(), state.config.write_timeout);
    if (!open) break;  // the batch stays in flight: routed again below
    queue.finish_write();
    state.registry.refill(*connection);
  }

  // A write that failed without a reason given: the client is gone.
  connection->close(StreamEnd::client_closed);
  const auto reason = *connection->end();
  expiry.cancel();
  const auto held_bytes = connection->queue().bytes();
  const auto redelivery = state.registry.disconnect(connection);
  count_redelivery(state, redelivery);
  // A stream ended by the server for a reason the client should know (shutdown, or its token
  // expired) ends its chunked body properly; a stalled one is just cut.
  if (open && (reason == StreamEnd::shutdown || reason == StreamEnd::token_expired)) {
    co_await write_with_deadline(stream, state.config.write_timeout, [&] {
      return asio::async_write(stream->connection, http::make_chunk_last());
    });
  }
  stream->close();
  state.metrics.count_sse_disconnect(to_string(reason));
  log_end(state, *connection, reason, held_bytes, redelivery);
}

template asio::awaitable<void> serve_event_stream<Socket>(ServerState&, Socket, std::string, std::string, StreamGrant);
template asio::awaitable<void> serve_event_stream<TlsStream>(ServerState&, TlsStream, std::string, std::string,
                                                             StreamGrant);

}  // namespace resonate::server
