#include "server/http_session.hpp"

#include <type_traits>

#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>

#include "server/authorization.hpp"
#include "server/router.hpp"
#include "server/server_state.hpp"
#include "server/sse_stream.hpp"
#include "wire/clock.hpp"
#include "wire/envelope.hpp"

namespace resonate::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;

namespace {

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

constexpr std::string_view legacy_body =
    R"({"error":"This endpoint is no longer supported. Please update to the latest SDK."})";

Response make_response(http::status status, std::string_view content_type = {}, std::string body = {}) {
  Response response{status, 11};
  if (!content_type.empty()) response.set(http::field::content_type, content_type);
  response.body() = std::move(body);
  return response;
}

// The kind an envelope answer echoes: the core writes `{"kind":"…"` first. Empty when absent
// (a 413 is plain text).
std::string_view reply_kind(std::string_view body) {
  constexpr std::string_view prefix = R"({"kind":")";
  if (!body.starts_with(prefix)) return {};
  body.remove_prefix(prefix.size());
  const auto end = body.find('"');
  return end == std::string_view::npos ? std::string_view{} : body.substr(0, end);
}

std::string internal_error(std::string_view what) {
  wire::Response answer{"unknown", "0", 500, json::string("Internal error: " + std::string(what))};
  return json::serialize(wire::to_json(std::move(answer)));
}

asio::awaitable<Response> handle_rpc(ServerState& state, Request& request) {
  core::Reply reply;
  try {
    // Committed together with the requests that arrive meanwhile (group commit). The
    // Authorization header reaches the core's authorize hook as request metadata.
    auto answer = co_await state.batcher.submit(std::move(request.body()),
                                                std::string(request[http::field::authorization]));
    reply = std::move(answer.reply);
    state.tick_by(answer.new_deadline);
  } catch (const std::exception& error) {
    reply = {500, internal_error(error.what())};
  }
  const auto kind = reply_kind(reply.body);
  state.metrics.count_request(kind.empty() ? "other" : kind, reply.status);
  // The batch delivered the messages it produced (RequestBatcher::Outbox); a debug operation
  // (a tick, the end of a pause) ran outside it: deliver what it queued without waiting for
  // the next beat.
  if (reply.status < 400 && kind.starts_with("debug.")) state.request_delivery();
  const auto content_type = kind.empty() ? "text/plain" : "application/json";
  co_return make_response(static_cast<http::status>(reply.status), content_type, std::move(reply.body));
}

asio::awaitable<Response> handle_ready(ServerState& state) {
  bool ready = false;
  try {
    ready = co_await state.on_core([&core = state.core] { return core.store().ready(); });
  } catch (const std::exception& error) {
    state.log.warn("readiness check failed", {{"error", error.what()}});
  }
  co_return make_response(ready ? http::status::ok : http::status::service_unavailable);
}

asio::awaitable<Response> handle_metrics(ServerState& state) {
  try {
    const auto records = co_await state.on_spare_core([](core::Store& store) { return count_records(store); });
    co_return make_response(http::status::ok, "text/plain; version=0.0.4",
                            state.metrics.render(records, state.registry, state.batcher.counts(), state.conflicts(),
                                                 state.batch_reruns()));
  } catch (const std::exception& error) {
    state.log.error("metrics failed", {{"error", error.what()}});
  }
  co_return make_response(http::status::internal_server_error);
}

// Clients ask before they wait on a call to a group (the CLI's invoke, the SDK's rpc): a group
// without workers means the call waits until one connects. A replica sees only its own streams:
// with none of the group it cannot tell (workers null; members may be on another replica).
Response handle_group(ServerState& state, const std::string& group) {
  const auto status = state.registry.status(group);
  json::value workers = static_cast<std::uint64_t>(status.workers);
  if (state.shared_store && status.workers == 0) workers = nullptr;
  json::object body{{"group", group}, {"workers", workers}, {"parked", static_cast<std::uint64_t>(status.parked)}};
  if (state.shared_store) body["replica"] = state.replica_id;
  return make_response(http::status::ok, "application/json", json::serialize(body));
}

asio::awaitable<Response> handle(ServerState& state, Request& request, const Route& route) {
  switch (route.kind) {
    case Route::Kind::rpc: co_return co_await handle_rpc(state, request);
    case Route::Kind::health: co_return make_response(http::status::ok);
    case Route::Kind::ready: co_return co_await handle_ready(state);
    case Route::Kind::metrics: co_return co_await handle_metrics(state);
    case Route::Kind::group: co_return handle_group(state, route.group);
    case Route::Kind::legacy: co_return make_response(http::status::gone, "application/json", std::string(legacy_body));
    case Route::Kind::method_not_allowed: {
      auto response = make_response(http::status::method_not_allowed);
      response.set(http::field::allow, route.allow);
      co_return response;
    }
    case Route::Kind::poll:  // handled by the caller: it takes the connection over
    case Route::Kind::not_found: break;
  }
  co_return make_response(http::status::not_found);
}

// With authentication on, /metrics and /groups need a valid bearer token (no prefix check:
// metrics and groups hold no record contents); SSE streams are decided by authorize_poll; RPC
// tokens are checked per envelope by the core; /health and /ready stay open for probes.
bool authenticated(const ServerState& state, const Request& request, const Route& route) {
  if (!state.authorizer) return true;
  if (route.kind != Route::Kind::metrics && route.kind != Route::Kind::group) return true;
  return state.authorizer->authenticate_header(request[http::field::authorization], std::chrono::system_clock::now());
}

// A stream carries other tenants' values and work unless scoped: its token must allow this
// group and worker id, and the stream then carries only its prefix's messages.
Authorizer::StreamDecision authorize_poll(ServerState& state, const Request& request, const Route& route) {
  if (!state.authorizer) return {};
  auto decision = state.authorizer->authorize_stream(request[http::field::authorization], route.group, route.id,
                                                     std::chrono::system_clock::now());
  if (decision.status == 403) {
    // Said to the client too, whose own claims it is about; logged because a worker that
    // cannot open its stream gets no work.
    state.log.info("poll connection refused: the token does not allow this stream",
                   {{"group", route.group}, {"id", route.id}, {"reason", decision.message}});
  }
  return decision;
}

Response unauthorized() {
  auto response = make_response(http::status::unauthorized, "text/plain", "Unauthorized");
  response.set(http::field::www_authenticate, "Bearer");
  return response;
}

Response forbidden(std::string message) {
  return make_response(http::status::forbidden, "text/plain", std::move(message));
}

// One line per request at debug level; answers of 500 and above (storage failures) at warn.
void log_request(ServerState& state, const Request& request, const Response& response,
                 std::chrono::steady_clock::duration elapsed) {
  const auto level = response.result_int() >= 500 ? LogLevel::warn : LogLevel::debug;
  if (!state.log.enabled(level)) return;
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
  const auto kind = reply_kind(response.body());
  const auto message = level == LogLevel::warn ? "request failed" : "request";
  const std::string_view method = request.method_string();
  const std::string_view target = request.target();
  if (kind.empty()) {
    state.log.log(level, message, {{"method", method}, {"target", target},
                                   {"status", response.result_int()}, {"us", micros}});
  } else {
    state.log.log(level, message, {{"method", method}, {"target", target},
                                   {"kind", kind}, {"status", response.result_int()}, {"us", micros}});
  }
}

// Registers the connection for shutdown for as long as it lives.
class SlotRegistration {
 public:
  SlotRegistration(ServerState& state, HttpConnectionSlot& slot) : state_(state), slot_(slot) {
    state_.connections.insert(&slot_);
  }
  ~SlotRegistration() { state_.connections.erase(&slot_); }
  SlotRegistration(const SlotRegistration&) = delete;
  SlotRegistration& operator=(const SlotRegistration&) = delete;

 private:
  ServerState& state_;
  HttpConnectionSlot& slot_;
};

template <class Connection>
asio::awaitable<void> write_and_close(ServerState& state, Connection& connection, Response response) {
  response.keep_alive(false);
  response.prepare_payload();
  beast::get_lowest_layer(connection).expires_after(state.config.write_timeout);
  co_await http::async_write(connection, response);
}

// After refusing a request whose body is still arriving: closing at once with unread bytes
// would reset the connection and could destroy the answer before the client reads it, so
// the rest is read and discarded first (bounded in bytes and time). Read from the TCP stream
// even under TLS: the bytes are thrown away unread.
asio::awaitable<void> discard_remaining_input(Stream& stream) {
  constexpr std::size_t max_discarded = 16 * 1024 * 1024;
  boost::system::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  stream.expires_after(std::chrono::seconds(2));
  char sink[16 * 1024];
  for (std::size_t discarded = 0; discarded < max_discarded;) {
    auto [error, read] = co_await stream.async_read_some(asio::buffer(sink));
    if (error) break;
    discarded += read;
  }
}

constexpr std::chrono::seconds tls_close_timeout{1};

// The end of a connection. Under TLS, when both sides are done talking (the client's
// close_notify came, or a response said `Connection: close`), TLS's own closure first: our
// close_notify, and the peer's awaited a moment; after errors, timeouts and during shutdown
// the TCP connection is just closed (every answer is framed by HTTP, so nothing is mistaken).
template <class Connection>
asio::awaitable<void> finish(ServerState& state, Connection& connection, bool talk_ended) {
  auto& tcp = beast::get_lowest_layer(connection);
  if constexpr (std::is_same_v<Connection, TlsStream>) {
    if (talk_ended && !state.stopping) {
      tcp.expires_after(tls_close_timeout);
      co_await connection.async_shutdown();
    }
  } else {
    (void)talk_ended;
  }
  boost::system::error_code ignored;
  tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  tcp.close();
}

// No request came, and none will: the client closed the connection (over TLS also without
// close_notify) or reset it, it stayed silent past the read timeout, or the server shuts down.
bool no_more_requests(const boost::system::error_code& error) {
  return error == http::error::end_of_stream || error == beast::error::timeout ||
         error == asio::error::operation_aborted || error == asio::error::connection_reset ||
         error == asio::ssl::error::stream_truncated;
}

template <class Connection>
asio::awaitable<void> serve_connection(ServerState& state, Connection connection) {
  auto& tcp = beast::get_lowest_layer(connection);
  HttpConnectionSlot slot{&tcp, true};
  std::optional<SlotRegistration> registration(std::in_place, state, slot);
  beast::flat_buffer buffer;

  if constexpr (std::is_same_v<Connection, TlsStream>) {
    // Bounded like a request: a client that opens a connection and says nothing is cut.
    tcp.expires_after(state.config.read_timeout);
    auto [handshake_error] = co_await connection.async_handshake(asio::ssl::stream_base::server);
    if (handshake_error) {
      // Routine on an open port (probes, plain HTTP, a client that does not trust the
      // certificate: its own error says so).
      state.log.debug("TLS handshake failed", {{"error", handshake_error.message()}});
      co_await finish(state, connection, false);
      co_return;
    }
  }

  bool talk_ended = false;
  while (!state.stopping) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(state.config.max_body_bytes);
    // One deadline for header and body: a client that trickles bytes is cut after read_timeout.
    tcp.expires_after(state.config.read_timeout);
    slot.idle = true;
    auto [read_error, read] = co_await http::async_read(connection, buffer, parser);
    slot.idle = false;
    if (read_error == http::error::body_limit) {
      co_await write_and_close(state, connection,
                               make_response(http::status::payload_too_large, "text/plain", "Request body too large"));
      state.metrics.count_request("other", 413);
      co_await discard_remaining_input(tcp);
      break;
    }
    if (read_error == http::error::header_limit) {
      co_await write_and_close(state, connection,
                               make_response(http::status::request_header_fields_too_large, "text/plain",
                                             "Request header fields too large"));
      state.metrics.count_request("other", 431);
      break;
    }
    if (no_more_requests(read_error)) {
      talk_ended = read_error == http::error::end_of_stream;
      break;
    }
    if (read_error) {
      state.log.debug("bad request", {{"error", read_error.message()}});
      co_await write_and_close(state, connection, make_response(http::status::bad_request, "text/plain", "Bad request"));
      break;
    }

    auto request = parser.release();
    const auto started = std::chrono::steady_clock::now();
    const auto route = server::route(request.method(), request.target());
    // Not a conditional expression: GCC 12 miscompiles co_await inside `?:`.
    Response response;
    if (route.kind == Route::Kind::poll) {
      auto decision = authorize_poll(state, request, route);
      if (decision.status == 0) {
        registration.reset();  // from here on the registry tracks it for shutdown
        tcp.expires_never();
        if constexpr (std::is_same_v<Connection, TlsStream>) {
          co_await serve_event_stream(state, std::move(connection), route.group, route.id, std::move(decision.grant));
        } else {
          co_await serve_event_stream(state, connection.release_socket(), route.group, route.id,
                                      std::move(decision.grant));
        }
        co_return;
      }
      response = decision.status == 401 ? unauthorized() : forbidden(std::move(decision.message));
    } else if (!authenticated(state, request, route)) {
      response = unauthorized();
    } else {
      response = co_await handle(state, request, route);
    }
    response.keep_alive(request.keep_alive() && !state.stopping);
    response.prepare_payload();
    log_request(state, request, response, std::chrono::steady_clock::now() - started);
    tcp.expires_after(state.config.write_timeout);
    auto [write_error, written] = co_await http::async_write(connection, response);
    if (write_error) break;
    if (!response.keep_alive()) {
      talk_ended = true;
      break;
    }
  }
  co_await finish(state, connection, talk_ended);
}

}  // namespace

asio::awaitable<void> serve_http_connection(ServerState& state, Socket socket) {
  if (state.tls) {
    TlsStream connection(Stream(std::move(socket)), *state.tls);
    co_await serve_connection(state, std::move(connection));
  } else {
    Stream connection(std::move(socket));
    co_await serve_connection(state, std::move(connection));
  }
}

}  // namespace resonate::server
