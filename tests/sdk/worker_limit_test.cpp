// RemoteConfig::max_executions: a worker offered more tasks than it may run at once acquires
// them as earlier executions end, instead of holding every one of a burst (and its coroutine
// frames) in memory at the same time.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "instances.hpp"
#include "resonate/resonate.hpp"
#include "server_child.hpp"

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using resonate::test_support::Instances;

// Steps that run until the test lets them end, in the order they started.
struct Turnstile {
  std::mutex mutex;
  int started = 0;
  int released = 0;
  int running = 0;
  int most_running = 0;

  int enter() {
    std::lock_guard lock(mutex);
    most_running = std::max(most_running, ++running);
    return started++;
  }
  bool may_leave(int turn) {
    std::lock_guard lock(mutex);
    if (released <= turn) return false;
    --running;
    return true;
  }
  int count_started() {
    std::lock_guard lock(mutex);
    return started;
  }
  void release_one() {
    std::lock_guard lock(mutex);
    ++released;
  }
};

}  // namespace

TEST_CASE("a worker runs at most max_executions tasks at once; the offers beyond wait and all complete") {
  resonate::test_support::ServerChild server(RESONATE_SERVER_PROGRAM);
  Instances instances;
  Turnstile turnstile;

  resonate::RemoteConfig worker_config;
  worker_config.url = server.url();
  worker_config.group = "limited";
  worker_config.max_executions = 2;
  auto& worker = instances.remote(worker_config);
  worker.register_function("held", [&turnstile](resonate::Context& ctx, int n) -> asio::awaitable<int> {
    auto step = [&turnstile](int value) -> asio::awaitable<int> {
      const int turn = turnstile.enter();
      asio::steady_timer poll(co_await asio::this_coro::executor);
      while (!turnstile.may_leave(turn)) {
        poll.expires_after(1ms);
        co_await poll.async_wait(asio::use_awaitable);
      }
      co_return value;
    };
    co_return co_await ctx.run(step, n);
  });
  instances.run<void>([&worker]() -> asio::awaitable<void> { co_await worker.connected(30s); });

  resonate::RemoteConfig client_config;
  client_config.url = server.url();
  client_config.group = "limited-clients";
  auto& client = instances.remote(client_config);
  constexpr int calls = 10;
  std::vector<resonate::Handle<int>> handles;
  for (int n = 0; n < calls; ++n) {
    handles.push_back(instances.run<resonate::Handle<int>>([&client, n]() -> asio::awaitable<resonate::Handle<int>> {
      co_return co_await client.rpc<int>("limit-" + std::to_string(n), "held", n).target("limited").spawn();
    }));
  }

  // Each time two steps are running, one may end: the worker then takes the next offer.
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  for (int ended = 0; ended < calls; ++ended) {
    while (turnstile.count_started() < std::min(ended + 2, calls)) {
      REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, "the next offer was not taken");
      std::this_thread::sleep_for(1ms);
    }
    turnstile.release_one();
  }
  int sum = 0;
  for (auto& handle : handles) {
    sum += instances.run<int>([&handle]() -> asio::awaitable<int> { co_return co_await handle.result(); });
  }
  CHECK(sum == calls * (calls - 1) / 2);
  CHECK(turnstile.most_running == 2);
}
