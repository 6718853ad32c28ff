// HttpNetwork: a resonate-server over HTTP or HTTPS (resonate-protocol.md §1).
//
// Requests are `POST <base path>/` (`POST /` when the URL has no path; server_url.hpp) with the
// JSON envelope, over persistent HTTP/1.1 connections, TCP or TLS, kept in a pool of at most
// max_connections (connection_pool.hpp: more concurrent requests wait for one). A kept
// connection that the server has closed meanwhile is noticed when the next request on it gets
// no answer at all, and that request is sent again on a new connection in its place. Messages
// arrive on the SSE stream `GET <base path>/poll/{group}/{pid}`, reconnected after failures
// with backoff 1, 2, 4 ... 30 s like the TS SDK; a stream the server refuses for its token
// (401/403) is logged as an error once per outage.
//
// Several servers (replicas over one database) are given as a comma-separated list of URLs.
// Requests and the stream go to one of them, the first at the start; when it cannot be reached
// (no connection, or no answer on a new connection), the client moves on to the next one —
// requests at once, the stream after a short pause, with the backoff above once every server
// of the list has failed in a row.
#pragma once

#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "network/awaitable_io.hpp"
#include "network/connection.hpp"
#include "network/connection_pool.hpp"
#include "network/network.hpp"
#include "network/server_url.hpp"
#include "network/tls_client.hpp"
#include "resonate/errors.hpp"
#include "resonate/logger.hpp"

namespace resonate::network {

struct HttpConfig {
  std::string url;  // http[s]://host[:port][/path], or several of them separated by commas
  std::string group;
  std::string pid;
  std::string token;  // sent as "Authorization: Bearer <token>" when not empty
  // When set, called instead of reading `token` each time a request is built (a refreshed
  // token is used from the next request on); "" sends none. What it throws fails that request.
  std::function<std::string()> token_provider;
  // https:// only: a PEM file of the CAs to trust instead of the system CA store.
  std::string ca_file;
  std::chrono::milliseconds request_timeout{10000};
  // The stream is considered dead when nothing (not even a keep-alive) arrives this long.
  std::chrono::milliseconds stream_idle_timeout{60000};
  Logger logger = stderr_logger();  // reports a lost or refused message stream
  std::size_t max_connections = 64;  // at least 1
};

class HttpNetwork : public Network, public std::enable_shared_from_this<HttpNetwork> {
 public:
  // Throws resonate::Error when a URL is not http[s]://host[:port][/path], or the CA file
  // (or the system CA store) of an https:// URL cannot be loaded.
  HttpNetwork(boost::asio::any_io_executor executor, HttpConfig config);

  // Throws PlatformError when no answer comes, AuthError when the server refuses the request
  // with HTTP 401/403 and no envelope (a JSON envelope is returned whatever its status).
  boost::asio::awaitable<boost::json::object> send(boost::json::object request) override;
  boost::asio::awaitable<std::optional<std::size_t>> connected_workers(std::string group) override;
  boost::asio::awaitable<void> wait_connected(std::optional<std::chrono::milliseconds> timeout) override;
  void start(MessageHandler handler) override;
  void stop() override;

 private:
  // A coroutine waiting in wait_connected, on strand_.
  struct ConnectWaiter {
    explicit ConnectWaiter(const boost::asio::strand<boost::asio::any_io_executor>& strand) : timer(strand) {}
    Timer timer;
    bool opened = false;
    std::optional<AuthError> refused;  // the stream was refused meanwhile
  };

  // One request to `path` under the current server's base path ("" for envelopes) and its
  // answer, from the next server of the list when the current one cannot be reached; throws
  // PlatformError when no server answers.
  boost::asio::awaitable<boost::beast::http::response<boost::beast::http::string_body>> exchange(
      boost::beast::http::request<boost::beast::http::string_body> request, const std::string& path,
      const std::string& token);
  // The same request to one server (target and Host set); throws PlatformError when no answer comes.
  boost::asio::awaitable<boost::beast::http::response<boost::beast::http::string_body>> exchange_with(
      boost::beast::http::request<boost::beast::http::string_body>& request, const ServerUrl& url);
  // The token of a request being built: token_provider's, else the configured one.
  std::string current_token() const;
  boost::asio::awaitable<void> poll_loop();
  boost::asio::awaitable<void> poll_once(const ServerUrl& url);
  boost::asio::awaitable<void> wait_on_strand(std::optional<std::chrono::milliseconds> timeout);
  // The stream opened or failed (on strand_): wakes the waiters of wait_connected.
  void stream_opened();
  void stream_refused(const AuthError& error);
  bool stopped();
  // A new connection to `url` on `executor`, opened; throws PlatformError.
  boost::asio::awaitable<Connection> connect(boost::asio::any_io_executor executor, const ServerUrl& url);
  // The server requests and the stream go to now.
  const ServerUrl& current_url();
  // `failed` could not be reached: when it is still the current one, the next of the list
  // becomes current (a no-op with one URL). True when the current URL changed.
  bool fail_over(const ServerUrl& failed);
  // A server of the list answered (a request, or the stream opened): the next move starts an
  // outage and is worth a warning.
  void answered();

  // The message stream's loop, its connection and the waiters of wait_connected live here;
  // stop() reaches them through it.
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  HttpConfig config_;
  std::vector<ServerUrl> urls_;  // never changes after construction
  std::size_t current_ = 0;      // index into urls_, under mutex_
  bool answered_since_move_ = true;  // under mutex_
  std::optional<ClientTls> tls_;  // for https:// URLs
  MessageHandler handler_;
  std::mutex mutex_;
  bool stopped_ = false;
  std::function<void()> cancel_wait_;  // ends the poll loop's current connection or backoff, under mutex_

  // On strand_.
  bool stream_open_ = false;
  bool refusal_reported_ = false;  // the current outage's 401/403 is logged
  std::string last_failure_;       // why the stream last failed, for wait_connected's timeout
  std::list<ConnectWaiter*> connect_waiters_;

  ConnectionPool pool_;
};

}  // namespace resonate::network
