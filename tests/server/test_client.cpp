#include "test_client.hpp"

#include <atomic>
#include <chrono>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace resonate::test_support {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

namespace {

// Runs one asynchronous operation on `io` with a deadline: `start(handler)` initiates it, the
// socket's operations are cancelled when `timeout` passes first. Returns the operation's error
// (operation_aborted after a timeout) and sets `timed_out`.
template <class Start>
boost::system::error_code run_with_deadline(asio::io_context& io, tcp::socket& socket, asio::steady_timer& timer,
                                            std::chrono::milliseconds timeout, Start start, bool* timed_out = nullptr) {
  boost::system::error_code result;
  bool expired = false;
  timer.expires_after(timeout);
  timer.async_wait([&](const boost::system::error_code& error) {
    if (error) return;
    expired = true;
    socket.cancel();
  });
  start([&](const boost::system::error_code& error, std::size_t) {
    result = error;
    timer.cancel();
  });
  io.restart();
  io.run();
  if (timed_out) *timed_out = expired;
  return result;
}

void connect(asio::io_context& io, tcp::socket& socket, asio::steady_timer& timer, std::uint16_t port,
             std::chrono::milliseconds timeout) {
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  const auto error = run_with_deadline(io, socket, timer, timeout, [&](auto handler) {
    socket.async_connect(endpoint, [handler](const boost::system::error_code& e) mutable { handler(e, 0); });
  });
  if (error) throw std::runtime_error("connect to port " + std::to_string(port) + ": " + error.message());
}

std::string next_corr_id() {
  static std::atomic<int> counter{0};
  return "test-" + std::to_string(++counter);
}

}  // namespace

json::object parse_object(std::string_view text) {
  auto value = json::parse(text);
  if (!value.is_object()) throw std::runtime_error("not a JSON object: " + std::string(text));
  return std::move(value.get_object());
}

std::string text(const json::value& value) {
  return value.is_string() ? std::string(value.get_string()) : "<not a string>";
}

std::int64_t number(const json::value& value) { return value.is_int64() ? value.get_int64() : -1; }

HttpClient::HttpClient(std::uint16_t port, std::chrono::milliseconds timeout)
    : socket_(io_), timer_(io_), timeout_(timeout) {
  connect(io_, socket_, timer_, port, timeout_);
}

HttpResult HttpClient::read_response() {
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  const auto error = run_with_deadline(io_, socket_, timer_, timeout_, [&](auto handler) {
    http::async_read(socket_, buffer_, parser, handler);
  });
  if (error) throw std::runtime_error("read response: " + error.message());
  auto response = parser.release();
  return HttpResult{static_cast<int>(response.result_int()), std::string(response[http::field::content_type]),
                    std::move(response.body()), response.keep_alive()};
}

HttpResult HttpClient::request(http::verb method, std::string_view target, std::string body) {
  http::request<http::string_body> request{method, target, 11};
  request.set(http::field::host, "127.0.0.1");
  if (method == http::verb::post) request.set(http::field::content_type, "application/json");
  request.body() = std::move(body);
  request.prepare_payload();
  const auto error = run_with_deadline(io_, socket_, timer_, timeout_, [&](auto handler) {
    http::async_write(socket_, request, handler);
  });
  if (error) throw std::runtime_error("write request: " + error.message());
  return read_response();
}

void HttpClient::send(std::string_view bytes) {
  const auto error = run_with_deadline(io_, socket_, timer_, timeout_, [&](auto handler) {
    asio::async_write(socket_, asio::buffer(bytes), handler);
  });
  if (error) throw std::runtime_error("write raw request: " + error.message());
}

bool HttpClient::closed_by_server(std::chrono::milliseconds timeout) {
  char byte;
  bool timed_out = false;
  const auto error = run_with_deadline(io_, socket_, timer_, timeout, [&](auto handler) {
    socket_.async_read_some(asio::buffer(&byte, 1), handler);
  }, &timed_out);
  return !timed_out && (error == asio::error::eof || error == asio::error::connection_reset);
}

json::object create_data(std::string_view id, std::string_view target) {
  const auto in_ten_minutes = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  (std::chrono::system_clock::now() + std::chrono::minutes(10)).time_since_epoch())
                                  .count();
  json::object tags;
  if (!target.empty()) tags["resonate:target"] = target;
  return json::object{{"id", id}, {"timeoutAt", in_ten_minutes}, {"param", json::object{}}, {"tags", std::move(tags)}};
}

json::object envelope(std::string_view kind, json::object data) {
  return json::object{{"kind", kind},
                      {"head", json::object{{"corrId", next_corr_id()}, {"version", "2026-04-01"}}},
                      {"data", std::move(data)}};
}

int RpcResult::status() const { return static_cast<int>(response.at("head").at("status").as_int64()); }

RpcResult rpc(HttpClient& client, std::string_view kind, json::object data) {
  const auto result = client.post("/", json::serialize(envelope(kind, std::move(data))));
  return RpcResult{result.status, parse_object(result.body)};
}

RpcResult rpc(std::uint16_t port, std::string_view kind, json::object data) {
  HttpClient client(port);
  return rpc(client, kind, std::move(data));
}

SseClient::SseClient(std::uint16_t port, std::string_view group, std::string_view id, std::chrono::milliseconds timeout,
                     std::string_view authorization)
    : socket_(io_), timer_(io_) {
  connect(io_, socket_, timer_, port, timeout);
  http::request<http::empty_body> request{http::verb::get, "/poll/" + std::string(group) + "/" + std::string(id), 11};
  request.set(http::field::host, "127.0.0.1");
  request.set(http::field::accept, "text/event-stream");
  if (!authorization.empty()) request.set(http::field::authorization, authorization);
  auto error = run_with_deadline(io_, socket_, timer_, timeout, [&](auto handler) {
    http::async_write(socket_, request, handler);
  });
  if (error) throw std::runtime_error("write poll request: " + error.message());
  parser_.body_limit(boost::none);
  error = run_with_deadline(io_, socket_, timer_, timeout, [&](auto handler) {
    http::async_read_header(socket_, buffer_, parser_, handler);
  });
  if (error) throw std::runtime_error("read poll response header: " + error.message());
  status_ = static_cast<int>(parser_.get().result_int());
  content_type_ = std::string(parser_.get()[http::field::content_type]);
}

std::optional<std::string> SseClient::buffered_event() {
  auto& body = parser_.get().body();
  for (;;) {
    const auto end = body.find("\n\n", consumed_);
    if (end == std::string::npos) return std::nullopt;
    std::string_view block(body.data() + consumed_, end - consumed_);
    consumed_ = end + 2;
    std::string data;
    bool has_data = false;
    while (!block.empty()) {
      const auto newline = block.find('\n');
      const auto line = block.substr(0, newline);
      block = newline == std::string_view::npos ? std::string_view{} : block.substr(newline + 1);
      if (line.starts_with("data:")) {
        auto value = line.substr(5);
        if (value.starts_with(' ')) value.remove_prefix(1);
        if (has_data) data += '\n';
        data += value;
        has_data = true;
      }
    }
    if (has_data) return data;  // comment-only blocks (keep-alives) are skipped
  }
}

std::optional<std::string> SseClient::next_event(std::chrono::milliseconds timeout) {
  if (pending_) return std::exchange(pending_, std::nullopt);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto event = buffered_event()) return event;
    if (parser_.is_done()) return std::nullopt;  // the server ended the stream
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) return std::nullopt;
    const auto error = run_with_deadline(io_, socket_, timer_, left, [&](auto handler) {
      http::async_read_some(socket_, buffer_, parser_, handler);
    });
    if (error) return std::nullopt;
  }
}

bool SseClient::has_event_within(std::chrono::milliseconds timeout) {
  if (!pending_) pending_ = next_event(timeout);
  return pending_.has_value();
}

std::optional<bool> SseClient::wait_for_end(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!parser_.is_done()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) return std::nullopt;
    bool timed_out = false;
    const auto error = run_with_deadline(
        io_, socket_, timer_, left, [&](auto handler) { http::async_read_some(socket_, buffer_, parser_, handler); },
        &timed_out);
    if (timed_out) return std::nullopt;
    if (error) return false;
  }
  return true;
}

}  // namespace resonate::test_support
