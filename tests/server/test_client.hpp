// A small blocking HTTP/SSE client for the server tests, built on Beast. Every operation has a
// deadline, so a broken server fails a test instead of hanging it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace resonate::test_support {

using namespace std::chrono_literals;

struct HttpResult {
  int status = 0;
  std::string content_type;
  std::string body;
  bool keep_alive = false;
};

// One keep-alive connection to 127.0.0.1:port.
class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port, std::chrono::milliseconds timeout = 10s);

  HttpResult request(boost::beast::http::verb method, std::string_view target, std::string body = {});
  HttpResult get(std::string_view target) { return request(boost::beast::http::verb::get, target); }
  HttpResult post(std::string_view target, std::string body) {
    return request(boost::beast::http::verb::post, target, std::move(body));
  }

  // Sends raw bytes (for requests a well-behaved client cannot make); raw() also reads one response.
  void send(std::string_view bytes);
  HttpResult raw(std::string_view bytes) {
    send(bytes);
    return read_response();
  }

  // True when the server closed the connection (EOF) within the timeout.
  bool closed_by_server(std::chrono::milliseconds timeout);

 private:
  HttpResult read_response();

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  boost::beast::flat_buffer buffer_;
  std::chrono::milliseconds timeout_;
};

// A request envelope with a fresh corrId and the protocol version.
boost::json::object envelope(std::string_view kind, boost::json::object data);

// The data of a promise.create: promise `id`, timing out in ten minutes, no param, tagged
// `resonate:target` when `target` is given.
boost::json::object create_data(std::string_view id, std::string_view target = {});

// POST / of one envelope on a new connection; the parsed response envelope (with the HTTP status
// checked equal to head.status by the caller if it wants).
struct RpcResult {
  int http_status = 0;
  boost::json::object response;
  int status() const;  // head.status
  const boost::json::value& data() const { return response.at("data"); }
};
RpcResult rpc(HttpClient& client, std::string_view kind, boost::json::object data);
RpcResult rpc(std::uint16_t port, std::string_view kind, boost::json::object data);

// GET /poll/{group}/{id} (with an `Authorization` header when `authorization` is not empty);
// then one event at a time.
class SseClient {
 public:
  SseClient(std::uint16_t port, std::string_view group, std::string_view id, std::chrono::milliseconds timeout = 10s,
            std::string_view authorization = {});

  int status() const { return status_; }
  const std::string& content_type() const { return content_type_; }

  // The data of the next event (comments skipped), or nullopt when none arrives in `timeout`
  // or the stream ends.
  std::optional<std::string> next_event(std::chrono::milliseconds timeout);
  // The next event parsed as a JSON object, skipping events that do not satisfy `wanted`.
  template <class Predicate>
  std::optional<boost::json::object> next_message(std::chrono::milliseconds timeout, Predicate wanted);

  // Whether an event is already buffered or arrives within `timeout`.
  bool has_event_within(std::chrono::milliseconds timeout);

  // Reads (and drops) events until the server ends the stream: true when its chunked body
  // ended properly (the last chunk), false when the connection was cut; nullopt when the
  // stream is still open after `timeout`.
  std::optional<bool> wait_for_end(std::chrono::milliseconds timeout);

 private:
  std::optional<std::string> buffered_event();

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  boost::beast::flat_buffer buffer_;
  boost::beast::http::response_parser<boost::beast::http::string_body> parser_;
  std::size_t consumed_ = 0;  // bytes of the body already turned into events
  int status_ = 0;
  std::string content_type_;
  std::optional<std::string> pending_;  // an event read by has_event_within
};

boost::json::object parse_object(std::string_view text);
// A JSON string's text ("<not a string>" otherwise) and an integer's value (-1 otherwise), so
// checks read `text(x.at("state")) == "pending"`.
std::string text(const boost::json::value& value);
std::int64_t number(const boost::json::value& value);

template <class Predicate>
std::optional<boost::json::object> SseClient::next_message(std::chrono::milliseconds timeout, Predicate wanted) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) return std::nullopt;
    auto event = next_event(left);
    if (!event) return std::nullopt;
    auto message = parse_object(*event);
    if (wanted(message)) return message;
  }
}

}  // namespace resonate::test_support
