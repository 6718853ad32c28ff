// Non-determinism detection in embedded mode: a replay that makes another durable call than
// the one its execution recorded at the same position is stopped there, and parked (the
// default) or failed; user code never runs past it.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <string>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "local_scenario.hpp"
#include "resonate/resonate.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using resonate::Context;
using resonate::Resonate;
using resonate::test_support::RecordingLogger;

namespace {

asio::awaitable<void> pause(std::chrono::milliseconds duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  co_await timer.async_wait(asio::use_awaitable);
}

// A function whose first durable call changes once `changed` is set (a deploy that moved a
// call): first a step, later an rpc at the same position. It then waits for an approval.
struct Shifty {
  std::atomic<bool> changed = false;
  std::atomic<int> past_first_call = 0;

  void register_with(Resonate& r) {
    r.register_function("square", [](int x) { return x * x; });
    r.register_function("shifty", [this](Context& ctx) -> asio::awaitable<int> {
      int first = 0;
      if (!changed) {
        first = co_await ctx.run([] { return 1; });
      } else {
        first = co_await ctx.rpc<int>("square", 2);
      }
      ++past_first_call;
      auto approval = co_await ctx.promise<bool>();
      co_await approval.result();
      co_return first;
    });
  }

  // Starts the execution, waits for its first pass to suspend on the approval, changes the
  // code and resolves the approval, so that the next pass replays with the new code.
  asio::awaitable<resonate::Handle<int>> start_and_change(Resonate& r, const std::string& id) {
    auto handle = co_await r.run<int>(id, "shifty").spawn();
    for (;;) {
      try {
        co_await r.get<bool>(id + ":1");
        break;
      } catch (const resonate::NotFoundError&) {
      }
      co_await pause(5ms);
    }
    changed = true;
    co_await r.resolve(id + ":1", true);
    co_return handle;
  }
};

}  // namespace

TEST_CASE("a replay that makes another call at a recorded position is parked with an error, not run on") {
  RecordingLogger recorder;
  resonate::LocalConfig config;
  config.tick_interval = 10ms;
  config.logger = recorder.logger();
  Shifty shifty;
  std::optional<resonate::LogRecord> logged;
  resonate::test_support::run_scenario_with(
      config, [&](Resonate& r) { shifty.register_with(r); },
      [&](Resonate& r) -> asio::awaitable<void> {
        co_await shifty.start_and_change(r, "shifty-1");
        // Wait for the record, not for a fixed time.
        for (int i = 0; i < 1000 && !logged; ++i) {
          logged = recorder.find([](const resonate::LogRecord& record) {
            return record.level == resonate::LogLevel::error && record.field("id") == "shifty-1";
          });
          co_await pause(10ms);
        }
      });
  REQUIRE(logged.has_value());
  const std::string error(logged->field("error"));
  CHECK(error.find("shifty-1:0") != std::string::npos);
  CHECK(error.find("recorded 'run int ()'") != std::string::npos);
  CHECK(error.find("now calls 'rpc square'") != std::string::npos);
  CHECK(logged->message.find("resonate tasks continue shifty-1") != std::string::npos);
  // The first pass ran past its call; the diverged replay did not, and nothing was settled.
  CHECK(shifty.past_first_call == 1);
}

TEST_CASE("with Nondeterminism::fail, the diverged execution's promise is rejected with NonDeterminismError") {
  resonate::LocalConfig config;
  config.tick_interval = 10ms;
  config.on_nondeterminism = resonate::Nondeterminism::fail;
  config.logger = [](const resonate::LogRecord&) {};
  Shifty shifty;
  resonate::test_support::run_scenario_with(
      config, [&](Resonate& r) { shifty.register_with(r); },
      [&](Resonate& r) -> asio::awaitable<void> {
        auto handle = co_await shifty.start_and_change(r, "shifty-2");
        try {
          co_await handle.result();
          FAIL("the diverged execution resolved");
        } catch (const resonate::NonDeterminismError& error) {
          CHECK(std::string(error.what()).find("at shifty-2:0") != std::string::npos);
          CHECK(error.name() == "NonDeterminismError");
        }
      });
  CHECK(shifty.past_first_call == 1);
}

TEST_CASE("a replay that makes the recorded calls passes the check, named steps included") {
  std::atomic<int> passes = 0;
  resonate::test_support::run_scenario(
      [&](Resonate& r) {
        r.register_function("steady", [&](Context& ctx) -> asio::awaitable<std::string> {
          ++passes;
          resonate::Options named;
          named.name = "charge";
          auto a = co_await ctx.run(named, [] { return std::string("a"); });
          auto append_b = [](std::string x) { return x + "b"; };
          CHECK(resonate::detail::signature_name(typeid(std::string(std::string))) == "std::string (std::string)");
          auto b = co_await ctx.run(append_b, a);
          co_await ctx.sleep(20ms);
          auto now = co_await ctx.now();
          co_return b + (now > 0 ? "c" : "");
        });
      },
      [](Resonate& r) -> asio::awaitable<void> {
        CHECK(co_await r.run<std::string>("steady-1", "steady") == "abc");
      });
  CHECK(passes == 2);
}
