// HttpNetwork's persistent connections, against a scripted HTTP server in this process: the
// requests of a worker share one TCP connection, and a kept connection that the server closed
// meanwhile costs a reconnect, not a failed request.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>

#include "network/http_network.hpp"
#include "resonate/errors.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using asio::ip::tcp;

// Answers every POST with an envelope that echoes the request's kind. With `close_after_each`
// it closes each connection after one answer without saying so (no `Connection: close`), as
// a server does that drops idle connections; with `refuse` it answers 401 in plain text, as a
// proxy in front of a server does; while silent (set_silent) it reads requests and never
// answers. It records each request's target and Authorization header.
class ScriptedServer {
 public:
  explicit ScriptedServer(bool close_after_each, bool refuse = false)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        close_after_each_(close_after_each),
        refuse_(refuse) {
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~ScriptedServer() {
    io_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }
  int connections() const { return connections_.load(); }
  void set_silent(bool silent) { silent_ = silent; }
  int requests() const { return requests_.load(); }
  // "<target> <authorization>" of each request so far.
  std::vector<std::string> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto socket = co_await acceptor_.async_accept(asio::use_awaitable);
      ++connections_;
      asio::co_spawn(io_, serve(beast::tcp_stream(std::move(socket))), asio::detached);
    }
  }

  asio::awaitable<void> serve(beast::tcp_stream stream) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> request;
      boost::system::error_code error;
      co_await http::async_read(stream, buffer, request, asio::redirect_error(asio::use_awaitable, error));
      if (error) co_return;
      ++requests_;
      if (silent_) {
        held_.push_back(std::make_shared<beast::tcp_stream>(std::move(stream)));
        co_return;
      }
      {
        std::lock_guard lock(mutex_);
        seen_.push_back(std::string(request.target()) + " " + std::string(request[http::field::authorization]));
      }
      const auto kind = json::parse(request.body()).at("kind").as_string();
      http::response<http::string_body> response{refuse_ ? http::status::unauthorized : http::status::ok, 11};
      response.body() = refuse_ ? std::string("Unauthorized")
                                : R"({"kind":")" + std::string(kind) + R"(","head":{"corrId":"c","status":200},"data":{}})";
      response.keep_alive(true);
      response.prepare_payload();
      co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, error));
      if (error || close_after_each_) {
        stream.socket().shutdown(tcp::socket::shutdown_both, error);
        stream.close();
        co_return;
      }
    }
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  bool close_after_each_;
  bool refuse_;
  std::atomic<bool> silent_{false};
  std::vector<std::shared_ptr<beast::tcp_stream>> held_;  // connections left unanswered
  mutable std::mutex mutex_;
  std::vector<std::string> seen_;
  std::thread thread_;
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
};

// Sends `count` requests one after another through `network`, running `io` until they are done.
void send_through(asio::io_context& io, const std::shared_ptr<resonate::network::HttpNetwork>& network, int count) {
  auto done = asio::co_spawn(
      io,
      [network, count]() -> asio::awaitable<void> {
        for (int i = 0; i < count; ++i) {
          json::object request{{"kind", "task.get"}, {"head", json::object{}}, {"data", json::object{}}};
          auto answer = co_await network->send(std::move(request));
          CHECK(answer.at("kind").as_string() == "task.get");
        }
      },
      asio::use_future);
  io.restart();
  io.run();
  done.get();  // rethrows a failed request
}

// Sends `count` requests at once (each from its own coroutine) through `network`; returns the
// number that failed with PlatformError.
int send_concurrently(asio::io_context& io, const std::shared_ptr<resonate::network::HttpNetwork>& network, int count) {
  int failed = 0;
  int running = count;
  for (int i = 0; i < count; ++i) {
    asio::co_spawn(
        io,
        [network]() -> asio::awaitable<void> {
          json::object request{{"kind", "task.get"}, {"head", json::object{}}, {"data", json::object{}}};
          auto answer = co_await network->send(std::move(request));
          CHECK(answer.at("kind").as_string() == "task.get");
        },
        [&](std::exception_ptr error) {
          --running;
          if (!error) return;
          try {
            std::rethrow_exception(error);
          } catch (const resonate::PlatformError&) {
            ++failed;
          }
        });
  }
  io.restart();
  while (running > 0) io.run_one();
  return failed;
}

resonate::network::HttpConfig config_for(const std::string& url) {
  resonate::network::HttpConfig config;
  config.url = url;
  config.group = "g";
  config.pid = "p";
  return config;
}

// Sends `count` requests one after another through one HttpNetwork.
void send_requests(const std::string& url, int count, std::function<std::string()> token_provider = {}) {
  asio::io_context io;
  resonate::network::HttpConfig config;
  config.url = url;
  config.group = "g";
  config.pid = "p";
  config.token_provider = std::move(token_provider);
  send_through(io, std::make_shared<resonate::network::HttpNetwork>(io.get_executor(), config), count);
}

}  // namespace

TEST_CASE("http transport: consecutive requests share one persistent connection") {
  ScriptedServer server(false);
  send_requests(server.url(), 20);
  CHECK(server.requests() == 20);
  CHECK(server.connections() == 1);
}

TEST_CASE("http transport: a kept connection the server closed is replaced and the request still succeeds") {
  ScriptedServer server(true);
  send_requests(server.url(), 5);
  CHECK(server.requests() == 5);
  CHECK(server.connections() == 5);
}

TEST_CASE("http transport: requests go to the URL's path, and a token provider is asked for each request") {
  ScriptedServer server(false);
  int asked = 0;
  send_requests(server.url() + "/resonate", 3, [&asked] { return "token-" + std::to_string(++asked); });
  CHECK(asked == 3);
  CHECK(server.seen() == std::vector<std::string>{"/resonate/ Bearer token-1", "/resonate/ Bearer token-2",
                                                  "/resonate/ Bearer token-3"});
}

TEST_CASE("http transport: without a path, requests go to /; an empty token sends no Authorization header") {
  ScriptedServer server(false);
  send_requests(server.url(), 1, [] { return std::string(); });
  CHECK(server.seen() == std::vector<std::string>{"/ "});
}

TEST_CASE("http transport: a 401 without an envelope (a proxy's refusal) is an AuthError") {
  ScriptedServer server(false, true);
  try {
    send_requests(server.url(), 1);
    FAIL("no AuthError");
  } catch (const resonate::AuthError& error) {
    CHECK(error.status() == 401);
    CHECK(std::string(error.what()).find("task.get: the server requires a bearer token") != std::string::npos);
  }
}

TEST_CASE("http transport: with several servers, requests move on from one that cannot be reached, and stay") {
  auto first = std::make_unique<ScriptedServer>(false);
  ScriptedServer second(false);
  // A port with nothing behind it: bound, then released.
  std::string unreachable;
  {
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    unreachable = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
  }

  asio::io_context io;
  resonate::network::HttpConfig config;
  config.url = first->url() + ", " + second.url() + "," + unreachable;
  config.group = "g";
  config.pid = "p";
  std::vector<std::string> log;
  config.logger = [&log](const resonate::LogRecord& record) { log.push_back(std::string(record.message)); };
  auto network = std::make_shared<resonate::network::HttpNetwork>(io.get_executor(), config);

  send_through(io, network, 2);
  CHECK(first->requests() == 2);
  CHECK(second.requests() == 0);
  first.reset();  // the first server goes away, with the connection the client kept to it
  send_through(io, network, 3);
  CHECK(second.requests() == 3);
  CHECK(second.connections() == 1);
  REQUIRE(log.size() == 1);
  CHECK(log[0] == "server unreachable: moving to the next one of the list");

  // Every server down: the request fails after trying each once, and the outage is one warning.
  {
    config.url = unreachable + "," + unreachable;
    std::vector<resonate::LogLevel> levels;
    config.logger = [&levels](const resonate::LogRecord& record) { levels.push_back(record.level); };
    auto down = std::make_shared<resonate::network::HttpNetwork>(io.get_executor(), config);
    CHECK_THROWS_AS(send_through(io, down, 1), resonate::PlatformError);
    CHECK_THROWS_AS(send_through(io, down, 1), resonate::PlatformError);
    CHECK(std::count(levels.begin(), levels.end(), resonate::LogLevel::warn) == 1);
    CHECK(levels.size() >= 3);
  }

  // A malformed URL anywhere in the list is refused up front.
  config.url = second.url() + ",ftp://127.0.0.1:1";
  CHECK_THROWS_AS(resonate::network::HttpNetwork(io.get_executor(), config), resonate::Error);
}

TEST_CASE("http transport: concurrent requests share at most max_connections connections, and none is closed") {
  ScriptedServer server(false);
  asio::io_context io;
  auto config = config_for(server.url());
  config.max_connections = 3;
  auto network = std::make_shared<resonate::network::HttpNetwork>(io.get_executor(), config);
  CHECK(send_concurrently(io, network, 40) == 0);
  CHECK(send_concurrently(io, network, 40) == 0);
  CHECK(server.requests() == 80);
  // Before the limit, each request beyond the idle ones opened a connection and closed it after
  // its answer: thousands a second exhaust the ports (TIME_WAIT) and connects get reset.
  CHECK(server.connections() == 3);
}

TEST_CASE("http transport: a request that waits for a busy connection gives up within its timeout") {
  ScriptedServer server(false);
  server.set_silent(true);
  asio::io_context io;
  auto config = config_for(server.url());
  config.max_connections = 1;
  config.request_timeout = std::chrono::milliseconds(200);
  auto network = std::make_shared<resonate::network::HttpNetwork>(io.get_executor(), config);
  // The first holds the one connection until its own timeout; the others wait for it and fail.
  CHECK(send_concurrently(io, network, 3) == 3);
  CHECK(server.requests() >= 1);

  // Every place was given back: once the server answers, the same client carries requests
  // again (a lost place would make these wait, and fail).
  server.set_silent(false);
  CHECK(send_concurrently(io, network, 3) == 0);
}
