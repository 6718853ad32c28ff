// HttpNetwork: a resonate-server over HTTP (resonate-protocol.md §1).
//
// Requests are `POST /` with the JSON envelope, over persistent HTTP/1.1 connections kept in
// a pool (up to max_idle_connections idle ones). A kept connection that the server has closed
// meanwhile is noticed when the next request on it gets no answer at all, and that request is
// sent again once on a new connection. Messages arrive on the SSE stream
// `GET /poll/{group}/{pid}`, reconnected after failures with backoff 1, 2, 4 ... 30 s like the
// TS SDK.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "network/awaitable_io.hpp"
#include "network/connection_pool.hpp"
#include "network/network.hpp"
#include "resonate/logger.hpp"

namespace resonate::network {

struct HttpConfig {
  std::string url;  // http://host:port
  std::string group;
  std::string pid;
  std::string token;  // sent as "Authorization: Bearer <token>" when not empty
  std::chrono::milliseconds request_timeout{10000};
  // The stream is considered dead when nothing (not even a keep-alive) arrives this long.
  std::chrono::milliseconds stream_idle_timeout{60000};
  Logger logger = stderr_logger();  // reports a lost message stream
  std::size_t max_idle_connections = 16;
};

class HttpNetwork : public Network, public std::enable_shared_from_this<HttpNetwork> {
 public:
  // Throws std::invalid_argument when the URL is not http://host[:port][/].
  HttpNetwork(boost::asio::any_io_executor executor, HttpConfig config);

  boost::asio::awaitable<boost::json::object> send(boost::json::object request) override;
  boost::asio::awaitable<std::optional<std::size_t>> connected_workers(std::string group) override;
  void start(MessageHandler handler) override;
  void stop() override;

 private:
  // One request and its answer; throws PlatformError when no answer comes.
  boost::asio::awaitable<boost::beast::http::response<boost::beast::http::string_body>> exchange(
      boost::beast::http::request<boost::beast::http::string_body> request);
  boost::asio::awaitable<void> poll_loop();
  boost::asio::awaitable<void> poll_once();
  bool stopped();
  // A new connection to the server; throws PlatformError.
  boost::asio::awaitable<Stream> connect();

  // The message stream's loop and socket live here; stop() reaches them through it.
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  HttpConfig config_;
  std::string host_;
  std::string port_;
  MessageHandler handler_;
  std::mutex mutex_;
  bool stopped_ = false;
  std::function<void()> cancel_stream_;  // closes the open SSE connection, under mutex_
  ConnectionPool pool_;
};

}  // namespace resonate::network
