// Replay is cheap: completed local steps come from the preload, without a request each.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "network/local_network.hpp"
#include "resonate/resonate.hpp"
#include "sdk/runtime.hpp"
#include "store/factories.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// Counts the requests of each kind on their way to an embedded core.
class CountingNetwork : public resonate::network::Network {
 public:
  explicit CountingNetwork(std::shared_ptr<resonate::network::Network> inner) : inner_(std::move(inner)) {}

  asio::awaitable<boost::json::object> send(boost::json::object request) override {
    {
      std::lock_guard lock(mutex_);
      ++counts_[std::string(request.at("kind").as_string())];
    }
    return inner_->send(std::move(request));
  }
  void start(MessageHandler handler) override { inner_->start(std::move(handler)); }
  void stop() override { inner_->stop(); }

  int count(const std::string& kind) {
    std::lock_guard lock(mutex_);
    return counts_[kind];
  }

 private:
  std::shared_ptr<resonate::network::Network> inner_;
  std::mutex mutex_;
  std::map<std::string, int> counts_;
};

}  // namespace

TEST_CASE("a replay reads completed steps from the preload, without requests") {
  asio::io_context io;
  auto network = std::make_shared<CountingNetwork>(std::make_shared<resonate::network::LocalNetwork>(
      io.get_executor(), resonate::store::make_memory_store(), 10ms));
  resonate::detail::RuntimeConfig config;
  config.pid = "counting";
  auto runtime = std::make_shared<resonate::detail::Runtime>(io.get_executor(), network, config);
  runtime->start();

  std::atomic<int> executions = 0;
  constexpr int steps = 5;
  runtime->add_function("steps_then_sleep", 1,
                        resonate::detail::make_invoker([&](resonate::Context& ctx) -> asio::awaitable<int> {
                          ++executions;
                          int sum = 0;
                          for (int i = 0; i < steps; ++i) sum += co_await ctx.run([](int x) { return x; }, i);
                          co_await ctx.sleep(50ms);
                          co_return sum;
                        }));
  int result = -1;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        resonate::Call<int> call(runtime, {"cost-1", "steps_then_sleep", {}, {}, true});
        result = co_await std::move(call);
        runtime->stop();
      },
      [](std::exception_ptr) {});
  io.run_for(10s);

  CHECK(result == 0 + 1 + 2 + 3 + 4);
  CHECK(executions == 2);
  // First pass: a create and a settle per step, and the timer's create. Second pass: only
  // the timer is read again (global children are not preloaded); the steps cost nothing.
  CHECK(network->count("task.fence") == 2 * steps + 1 + 1);
  CHECK(network->count("task.suspend") == 1);
  CHECK(network->count("task.fulfill") == 1);
}
