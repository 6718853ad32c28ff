// Resonate::connected(): completes once the message stream is open, so that a program's first
// calls need no sleep; a timeout while no server listens; at once in local mode.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "child_process.hpp"
#include "instances.hpp"
#include "network/http_network.hpp"
#include "resonate/resonate.hpp"
#include "server_child.hpp"

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using resonate::test_support::ChildProcess;
using resonate::test_support::Instances;

// A port on which nothing listens now but a server can be started later: one a server had.
int vacated_port() {
  ChildProcess server("server", resonate::test_support::serve_command(RESONATE_SERVER_PROGRAM, 0, "memory"));
  const int port = resonate::test_support::await_listening(server);
  server.signal(SIGKILL);
  REQUIRE(server.wait_for_exit(10s).has_value());
  return port;
}

// What `connected(timeout)` throws as a PlatformError ("" when it completes).
std::string connect_failure(Instances& instances, resonate::Resonate& r, std::chrono::milliseconds timeout) {
  return instances.run<std::string>([&r, timeout]() -> asio::awaitable<std::string> {
    try {
      co_await r.connected(timeout);
    } catch (const resonate::PlatformError& error) {
      co_return std::string(error.what());
    }
    co_return std::string();
  });
}

}  // namespace

TEST_CASE("connected(): waits until the message stream is open, then the server routes the group's work to it") {
  const int port = vacated_port();
  const auto url = resonate::test_support::loopback_url(port);
  Instances instances;
  resonate::RemoteConfig config;
  config.url = url;
  config.group = "workers";
  auto& worker = instances.remote(config);

  // No server: the stream cannot open, and connected() says why when its time is up.
  const auto failure = connect_failure(instances, worker, 500ms);
  CHECK_MESSAGE(failure.find("did not open within 500 ms") != std::string::npos, failure);
  CHECK_MESSAGE(failure.find("cannot connect to " + url) != std::string::npos, failure);

  ChildProcess server("server", resonate::test_support::serve_command(RESONATE_SERVER_PROGRAM, port, "memory"));
  REQUIRE(resonate::test_support::await_listening(server) == port);
  CHECK(connect_failure(instances, worker, 30s).empty());
  // Open means registered: the server counts the worker before it answers the stream's request.
  resonate::network::HttpConfig probe;
  probe.url = url;
  auto network = std::make_shared<resonate::network::HttpNetwork>(instances.executor(), probe);
  const auto workers = instances.run<std::optional<std::size_t>>(
      [network]() -> asio::awaitable<std::optional<std::size_t>> { co_return co_await network->connected_workers("workers"); });
  CHECK(workers == std::optional<std::size_t>(1));
  // Open already: at once, whatever the timeout.
  CHECK(connect_failure(instances, worker, 0ms).empty());
}

TEST_CASE("connected(): a stopped Resonate throws Error") {
  Instances instances;
  resonate::RemoteConfig config;
  config.url = resonate::test_support::loopback_url(vacated_port());
  auto& r = instances.remote(config);
  r.stop();
  CHECK_THROWS_WITH_AS(instances.run<bool>([&r]() -> asio::awaitable<bool> {
    co_await r.connected();
    co_return true;
  }),
                       doctest::Contains("stopped"), resonate::Error);
}

TEST_CASE("connected(): a local Resonate is connected at once") {
  Instances instances;
  auto r = resonate::Resonate::local(instances.executor());
  CHECK(instances.run<bool>([&r]() -> asio::awaitable<bool> {
    co_await r.connected(0ms);
    co_return true;
  }));
  r.stop();
}

TEST_CASE("RemoteConfig: a request_timeout that is not positive, or max_connections 0, is refused when the Resonate is made") {
  Instances instances;
  resonate::RemoteConfig config;
  config.url = "http://127.0.0.1:1";
  config.request_timeout = std::chrono::milliseconds(0);
  CHECK_THROWS_WITH_AS(instances.remote(config), doctest::Contains("request_timeout must be positive"), resonate::Error);
  config.request_timeout = std::chrono::milliseconds(1000);
  config.max_connections = 0;
  CHECK_THROWS_WITH_AS(instances.remote(config), doctest::Contains("max_connections must be at least 1"), resonate::Error);
}
