// The replay engine in embedded mode: real protocol core and memory store, real timers.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "local_scenario.hpp"
#include "resonate/resonate.hpp"
#include "sdk/ids.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using resonate::Context;
using resonate::Resonate;
using resonate::test_support::RecordingLogger;
using resonate::test_support::run_scenario;
using resonate::test_support::run_scenario_with;

namespace shop {
// A user type crossing the wire through Boost.JSON's tag_invoke customisation.
struct Order {
  std::string item;
  int quantity = 0;
};
void tag_invoke(boost::json::value_from_tag, boost::json::value& json, const Order& order) {
  json = {{"item", order.item}, {"quantity", order.quantity}};
}
Order tag_invoke(boost::json::value_to_tag<Order>, const boost::json::value& json) {
  const auto& object = json.as_object();
  return {boost::json::value_to<std::string>(object.at("item")), boost::json::value_to<int>(object.at("quantity"))};
}
}  // namespace shop


TEST_CASE("children get ids root:0, root:1 and root:0.0 and their results are stored") {
  run_scenario(
      [](Resonate& r) {
        r.register_function("ids", [](Context& ctx) -> asio::awaitable<std::vector<std::string>> {
          std::vector<std::string> ids;
          ids.push_back(co_await ctx.run([](Context& child) -> asio::awaitable<std::string> {
            auto grandchild = co_await child.run([](Context& c) { return c.id(); });
            co_return child.id() + "," + grandchild;
          }));
          ids.push_back(co_await ctx.run([](Context& child) { return child.id(); }));
          co_return ids;
        });
      },
      [](Resonate& r) -> asio::awaitable<void> {
        auto ids = co_await r.run<std::vector<std::string>>("root", "ids");
        REQUIRE(ids.size() == 2);
        CHECK(ids[0] == "root:0,root:0.0");
        CHECK(ids[1] == "root:1");
        auto stored = co_await r.get<std::string>("root:0.0");
        CHECK(co_await stored.result() == "root:0.0");
      });
}

TEST_CASE("a sleep suspends the execution and replay skips completed steps") {
  std::atomic<int> executions = 0, before = 0, after = 0;
  auto started = std::chrono::steady_clock::now();
  run_scenario(
      [&](Resonate& r) {
        r.register_function("sleeper", [&](Context& ctx, int n) -> asio::awaitable<int> {
          ++executions;
          int a = co_await ctx.run([&](int x) { ++before; return x * 2; }, n);
          co_await ctx.sleep(300ms);
          int b = co_await ctx.run([&](int x) { ++after; return x + 1; }, a);
          co_return b;
        });
      },
      [&](Resonate& r) -> asio::awaitable<void> {
        started = std::chrono::steady_clock::now();
        CHECK(co_await r.run<int>("sleep-1", "sleeper", 20) == 41);
      });
  CHECK(std::chrono::steady_clock::now() - started >= 300ms);
  CHECK(executions == 2);  // the first pass suspends at the sleep, the second finishes
  CHECK(before == 1);      // replayed from its checkpoint, not run again
  CHECK(after == 1);
}

TEST_CASE("a durable timer fires at its deadline, not at the next tick: a short sleep under an hour-long interval") {
  // Without deadline-driven ticks this waits for the hourly tick and the scenario times out.
  resonate::LocalConfig config;
  config.tick_interval = std::chrono::hours(1);
  run_scenario_with(
      config,
      [](Resonate& r) {
        r.register_function("nap", [](Context& ctx) -> asio::awaitable<int> {
          co_await ctx.sleep(50ms);
          co_return 7;
        });
      },
      [](Resonate& r) -> asio::awaitable<void> { CHECK(co_await r.run<int>("nap-1", "nap") == 7); });
}

TEST_CASE("the same id twice attaches to the existing execution") {
  std::atomic<int> executions = 0;
  run_scenario(
      [&](Resonate& r) {
        r.register_function("once", [&](Context& ctx, std::string s) -> asio::awaitable<std::string> {
          ++executions;
          co_await ctx.sleep(100ms);
          co_return s + "!";
        });
      },
      [&](Resonate& r) -> asio::awaitable<void> {
        auto first = co_await r.run<std::string>("once-1", "once", "a").spawn();
        auto second = co_await r.run<std::string>("once-1", "once", "b").spawn();
        auto third = co_await r.rpc<std::string>("once-1", "once", "c").spawn();
        CHECK(co_await first.result() == "a!");
        CHECK(co_await second.result() == "a!");
        CHECK(co_await third.result() == "a!");
        CHECK(co_await r.run<std::string>("once-1", "once", "d") == "a!");
      });
  CHECK(executions == 2);  // one execution: a pass before and a pass after the sleep
}

TEST_CASE("errors thrown by functions come back as typed exceptions") {
  run_scenario(
      [](Resonate& r) {
        r.register_function("fails", [](int) -> int { throw std::invalid_argument("no good"); });
        r.register_function("fails_in_step", [](Context& ctx) -> asio::awaitable<int> {
          co_return co_await ctx.run([]() -> int { throw resonate::NonRetryableError("step failed"); });
        });
      },
      [](Resonate& r) -> asio::awaitable<void> {
        try {
          co_await r.run<int>("err-1", "fails", 1);
          FAIL("expected ExecutionError");
        } catch (const resonate::ExecutionError& e) {
          CHECK(std::string(e.what()) == "no good");
          CHECK(e.name() == "Error");
        }
        try {
          co_await r.rpc<int>("err-2", "fails_in_step");
          FAIL("expected ExecutionError");
        } catch (const resonate::ExecutionError& e) {
          CHECK(std::string(e.what()) == "step failed");
          CHECK(e.name() == "NonRetryableError");
        }
        // The failure is durable: attaching later sees the same error.
        auto handle = co_await r.get<int>("err-1");
        CHECK_THROWS_WITH_AS(co_await handle.result(), "no good", resonate::ExecutionError);
      });
}

TEST_CASE("a failing step is retried with its policy, then succeeds") {
  std::atomic<int> attempts = 0;
  run_scenario(
      [&](Resonate& r) {
        r.register_function("flaky", [&](Context& ctx) -> asio::awaitable<int> {
          resonate::Options options;
          options.retry = resonate::RetryPolicy::constant(10ms, 5);
          co_return co_await ctx.run(options, [&]() -> int {
            if (++attempts < 3) throw std::runtime_error("not yet");
            return 7;
          });
        });
        r.register_function("hopeless", [&](Context& ctx) -> asio::awaitable<int> {
          resonate::Options options;
          options.retry = resonate::RetryPolicy::constant(1ms, 2);
          co_return co_await ctx.run(options, []() -> int { throw std::runtime_error("never"); });
        });
      },
      [&](Resonate& r) -> asio::awaitable<void> {
        CHECK(co_await r.run<int>("retry-1", "flaky") == 7);
        CHECK(attempts == 3);
        CHECK_THROWS_WITH_AS(co_await r.run<int>("retry-2", "hopeless"), "never", resonate::ExecutionError);
      });
}

TEST_CASE("an unknown function fails its promise with a clear error") {
  run_scenario([](Resonate&) {},
               [](Resonate& r) -> asio::awaitable<void> {
                 try {
                   co_await r.rpc<int>("unknown-1", "no_such_function", 1);
                   FAIL("expected ExecutionError");
                 } catch (const resonate::ExecutionError& e) {
                   CHECK(e.name() == "UnknownFunctionError");
                   CHECK(std::string(e.what()).find("no_such_function") != std::string::npos);
                 }
               });
}

TEST_CASE("rpc children run as their own tasks, in parallel when spawned") {
  std::atomic<int> squares = 0;
  run_scenario(
      [&](Resonate& r) {
        r.register_function("square", [&](int x) {
          ++squares;
          return x * x;
        });
        r.register_function("sum_of_squares", [](Context& ctx, int n) -> asio::awaitable<int> {
          std::vector<resonate::Handle<int>> handles;
          for (int i = 1; i <= n; ++i) handles.push_back(co_await ctx.spawn_rpc<int>("square", i));
          int sum = 0;
          for (auto& h : handles) sum += co_await h.result();
          co_return sum + co_await ctx.rpc<int>("square", 10).target("default");
        });
      },
      [&](Resonate& r) -> asio::awaitable<void> {
        CHECK(co_await r.run<int>("sos-1", "sum_of_squares", 3) == 1 + 4 + 9 + 100);
      });
  CHECK(squares == 4);
}

TEST_CASE("a catch (...) around durable calls never sees a suspension, and destructors still run") {
  // Each suspension ends a pass: the coroutine is not resumed and its frames are destroyed, so
  // the guard of every pass is destroyed exactly once and no handler below runs.
  struct Guard {
    std::atomic<int>& destroyed;
    ~Guard() { ++destroyed; }
  };
  std::atomic<int> passes = 0, destroyed = 0, caught = 0;
  run_scenario(
      [&](Resonate& r) {
        r.register_function("square", [](int x) { return x * x; });
        r.register_function("patient", [&](Context& ctx) -> asio::awaitable<int> {
          ++passes;
          Guard guard{destroyed};
          int total = 0;
          auto napping_step = [](Context& step, int value) -> asio::awaitable<int> {
            co_await step.sleep(10ms);
            co_return value;
          };
          try {
            co_await ctx.sleep(20ms);
          } catch (...) {
            ++caught;
          }
          try {
            total += co_await ctx.rpc<int>("square", 3);
          } catch (...) {
            ++caught;
          }
          try {
            total += co_await ctx.run(napping_step, 4);
          } catch (...) {
            ++caught;
          }
          auto spawned = co_await ctx.spawn_run(napping_step, 5);
          try {
            total += co_await spawned.result();
          } catch (...) {
            ++caught;
          }
          co_return total;
        });
      },
      [&](Resonate& r) -> asio::awaitable<void> {
        CHECK(co_await r.run<int>("patient-1", "patient") == 9 + 4 + 5);
      });
  CHECK(caught == 0);
  CHECK(passes >= 5);  // one per suspension (sleep, rpc, the step's sleep, the spawned step's), then the last
  CHECK(destroyed == passes);
}

TEST_CASE("a call without a version runs the latest registered version; .version(n) picks one") {
  run_scenario(
      [](Resonate& r) {
        r.register_function("greet", [](std::string name) { return "hello " + name; });
        r.register_function("greet", [](std::string name) { return "hi " + name; }, 2);
        r.register_function("greet_via_rpc", [](Context& ctx, std::string name) -> asio::awaitable<std::string> {
          co_return co_await ctx.rpc<std::string>("greet", name);
        });
      },
      [](Resonate& r) -> asio::awaitable<void> {
        CHECK(co_await r.run<std::string>("greet-latest", "greet", "Ada") == "hi Ada");
        CHECK(co_await r.run<std::string>("greet-first", "greet", "Ada").version(1) == "hello Ada");
        CHECK(co_await r.run<std::string>("greet-child", "greet_via_rpc", "Bob") == "hi Bob");
      });
}

TEST_CASE("a call with a retry policy is retried by the worker that runs it; without one it fails at once") {
  std::atomic<int> attempts = 0, child_attempts = 0;
  run_scenario(
      [&](Resonate& r) {
        r.register_function("flaky", [&](int fail_times) -> int {
          if (++attempts <= fail_times) throw std::runtime_error("not yet");
          return attempts;
        });
        r.register_function("flaky_child", [&](Context&) -> asio::awaitable<std::string> {
          if (++child_attempts < 3) throw std::runtime_error("child not yet");
          co_return "child ok";
        });
        r.register_function("parent", [](Context& ctx) -> asio::awaitable<std::string> {
          co_return co_await ctx.rpc<std::string>("flaky_child").retry(resonate::RetryPolicy::constant(5ms, 5));
        });
      },
      [&](Resonate& r) -> asio::awaitable<void> {
        CHECK(co_await r.run<int>("flaky-1", "flaky", 2).retry(resonate::RetryPolicy::constant(10ms, 3)) == 3);
        attempts = 0;
        CHECK_THROWS_WITH_AS(co_await r.run<int>("flaky-2", "flaky", 1), "not yet", resonate::ExecutionError);
        CHECK(attempts == 1);
        attempts = 0;
        // The retries are used up before the function would succeed.
        CHECK_THROWS_AS(co_await r.run<int>("flaky-3", "flaky", 5).retry(resonate::RetryPolicy::constant(1ms, 2)),
                        resonate::ExecutionError);
        CHECK(attempts == 3);
        CHECK(co_await r.run<std::string>("parent-1", "parent") == "child ok");
        CHECK(child_attempts == 3);
      });
}

TEST_CASE("ctx.parent_id, ctx.version and ctx.attempt describe the execution") {
  std::vector<std::string> seen;
  std::mutex mutex;
  auto note = [&](const std::string& line) {
    std::lock_guard lock(mutex);
    seen.push_back(line);
  };
  run_scenario(
      [&](Resonate& r) {
        r.register_function("child", [&](Context& ctx) -> asio::awaitable<int> {
          note("child parent=" + ctx.parent_id() + " version=" + std::to_string(ctx.version()));
          co_return 1;
        }, 3);
        r.register_function("described", [&](Context& ctx) -> asio::awaitable<int> {
          note("root parent=" + ctx.parent_id() + " attempt=" + std::to_string(ctx.attempt()) +
               " version=" + std::to_string(ctx.version()));
          auto flaky_step = [&](Context& step) -> asio::awaitable<int> {
            note("step parent=" + step.parent_id() + " attempt=" + std::to_string(step.attempt()));
            if (step.attempt() < 2) throw std::runtime_error("once");
            co_return 2;
          };
          resonate::Options quick;
          quick.retry = resonate::RetryPolicy::constant(1ms, 3);
          int total = co_await ctx.run(quick, flaky_step);
          total += co_await ctx.rpc<int>("child");
          if (ctx.attempt() < 2) throw std::runtime_error("root once");
          co_return total;
        }, 2);
      },
      [&](Resonate& r) -> asio::awaitable<void> {
        CHECK(co_await r.run<int>("described-1", "described").retry(resonate::RetryPolicy::constant(1ms, 2)) == 3);
      });
  const std::vector<std::string> expected{
      "root parent=described-1 attempt=1 version=2", "step parent=described-1 attempt=1",
      "step parent=described-1 attempt=2",           "child parent=described-1 version=3",
      // The rpc suspended the first attempt; its next pass replays and throws; then attempt 2.
      "root parent=described-1 attempt=1 version=2", "root parent=described-1 attempt=2 version=2"};
  std::string text;
  for (const auto& line : seen) text += line + "\n";
  CHECK_MESSAGE(seen == expected, text);
}

TEST_CASE("spawned local steps run concurrently and are awaited later") {
  run_scenario(
      [](Resonate& r) {
        r.register_function("fan_out", [](Context& ctx) -> asio::awaitable<int> {
          auto slow = [](int x) -> asio::awaitable<int> {
            asio::steady_timer timer(co_await asio::this_coro::executor, 50ms);
            co_await timer.async_wait(asio::use_awaitable);
            co_return x;
          };
          auto a = co_await ctx.spawn_run(slow, 1);
          auto b = co_await ctx.spawn_run(slow, 2);
          co_return co_await a.result() + co_await b.result();
        });
      },
      [](Resonate& r) -> asio::awaitable<void> {
        const auto started = std::chrono::steady_clock::now();
        CHECK(co_await r.run<int>("fan-1", "fan_out") == 3);
        CHECK(std::chrono::steady_clock::now() - started < 100ms + 50ms);
      });
}

TEST_CASE("an external promise suspends the execution until it is resolved") {
  run_scenario(
      [](Resonate& r) {
        r.register_function("approval", [](Context& ctx) -> asio::awaitable<std::string> {
          auto decision = co_await ctx.promise<bool>();
          co_return decision.id() + (co_await decision.result() ? " approved" : " denied");
        });
      },
      [](Resonate& r) -> asio::awaitable<void> {
        auto handle = co_await r.run<std::string>("approve-1", "approval").spawn();
        // The external promise exists once the first pass has run.
        for (;;) {
          try {
            co_await r.get<bool>("approve-1:0");
            break;
          } catch (const resonate::NotFoundError&) {
          }
          asio::steady_timer timer(co_await asio::this_coro::executor, 5ms);
          co_await timer.async_wait(asio::use_awaitable);
        }
        co_await r.resolve("approve-1:0", true);
        CHECK(co_await handle.result() == "approve-1:0 approved");
      });
}

TEST_CASE("ctx.now and ctx.random give the same answers on replay") {
  std::vector<std::pair<std::int64_t, double>> seen;
  run_scenario(
      [&](Resonate& r) {
        r.register_function("stable", [&](Context& ctx) -> asio::awaitable<bool> {
          auto now = co_await ctx.now();
          auto random = co_await ctx.random();
          seen.emplace_back(now, random);
          co_await ctx.sleep(50ms);
          co_return random >= 0.0 && random < 1.0;
        });
      },
      [&](Resonate& r) -> asio::awaitable<void> { CHECK(co_await r.run<bool>("stable-1", "stable")); });
  REQUIRE(seen.size() == 2);
  CHECK(seen[0] == seen[1]);
}

TEST_CASE("many executions at once on an io_context run by several threads") {
  asio::io_context io;
  resonate::LocalConfig config;
  config.tick_interval = 10ms;
  auto r = Resonate::local(io.get_executor(), config);
  std::atomic<int> steps = 0;
  r.register_function("work", [&](Context& ctx, int n) -> asio::awaitable<int> {
    int a = co_await ctx.run([&](int x) { ++steps; return x + 1; }, n);
    co_await ctx.sleep(20ms);
    int b = co_await ctx.run([&](int x) { ++steps; return x * 2; }, a);
    co_return b;
  });
  constexpr int count = 20;
  std::atomic<int> correct = 0;
  std::atomic<int> finished = 0;
  for (int i = 0; i < count; ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          if (co_await r.run<int>("mt-" + std::to_string(i), "work", i) == (i + 1) * 2) ++correct;
          if (++finished == count) r.stop();
        },
        [](std::exception_ptr) {});
  }
  std::thread helper([&] { io.run_for(20s); });
  io.run_for(20s);
  helper.join();
  CHECK(finished == count);
  CHECK(correct == count);
  CHECK(steps == 2 * count);
}

TEST_CASE("a workflow catches a failed rpc as a typed error and carries on") {
  run_scenario(
      [](Resonate& r) {
        r.register_function("refuse", [](int) -> int { throw resonate::NonRetryableError("refused"); });
        r.register_function("tolerant", [](Context& ctx) -> asio::awaitable<std::string> {
          std::string seen;
          try {
            co_await ctx.rpc<int>("refuse", 1);
          } catch (const resonate::ExecutionError& e) {
            seen += e.name() + ":" + e.what();
          }
          try {
            co_await ctx.rpc<int>("missing_function");
          } catch (const resonate::ExecutionError& e) {
            seen += " " + e.name();
          }
          co_return seen;
        });
      },
      [](Resonate& r) -> asio::awaitable<void> {
        CHECK(co_await r.run<std::string>("tolerant-1", "tolerant") ==
              "NonRetryableError:refused UnknownFunctionError");
      });
}

TEST_CASE("an execution that outlives its timeout fails with TimedOutError") {
  run_scenario(
      [](Resonate& r) {
        r.register_function("slow", [](Context& ctx) -> asio::awaitable<int> {
          co_await ctx.sleep(2s);  // clamped to the root's deadline
          co_return 1;
        });
      },
      [](Resonate& r) -> asio::awaitable<void> {
        const auto started = std::chrono::steady_clock::now();
        CHECK_THROWS_AS(co_await r.rpc<int>("slow-1", "slow").timeout(200ms), resonate::TimedOutError);
        CHECK(std::chrono::steady_clock::now() - started < 2s);
      });
}

TEST_CASE("user structs travel as arguments and results through tag_invoke") {
  run_scenario(
      [](Resonate& r) {
        r.register_function("restock", [](Context& ctx, shop::Order order, int extra) -> asio::awaitable<shop::Order> {
          auto more = co_await ctx.run([](shop::Order o, int n) { return shop::Order{o.item, o.quantity + n}; }, order, extra);
          co_return more;
        });
      },
      [](Resonate& r) -> asio::awaitable<void> {
        const shop::Order order{"apples", 3};
        auto restocked = co_await r.run<shop::Order>("restock-1", "restock", order, 4);
        CHECK(restocked.item == "apples");
        CHECK(restocked.quantity == 7);
        // A result read back with the wrong type is a DecodeError, not garbage.
        auto handle = co_await r.get<int>("restock-1");
        CHECK_THROWS_AS(co_await handle.result(), resonate::DecodeError);
      });
}

TEST_CASE("with a SQLite store, an execution survives its process and resumes at the timer's deadline") {
  const auto path = std::filesystem::temp_directory_path() /
                    ("resonate-sdk-local-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + ".db");
  std::atomic<int> steps = 0;
  auto register_nap = [&](Resonate& r) {
    r.register_function("durable_nap", [&](Context& ctx) -> asio::awaitable<std::int64_t> {
      auto started = co_await ctx.run([&] {
        ++steps;
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
      });
      co_await ctx.sleep(400ms);
      co_return started;
    });
  };
  resonate::LocalConfig config;
  config.tick_interval = 10ms;
  config.store_path = path.string();
  {
    // The first process starts the execution and goes away while it sleeps.
    asio::io_context io;
    auto r = Resonate::local(io.get_executor(), config);
    register_nap(r);
    bool started = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await r.run<std::int64_t>("durable-1", "durable_nap").spawn();
          // The sleep's timer promise exists once the first pass has suspended.
          for (;;) {
            try {
              co_await r.get<void>("durable-1:1");
              break;
            } catch (const resonate::NotFoundError&) {
            }
            asio::steady_timer timer(co_await asio::this_coro::executor, 5ms);
            co_await timer.async_wait(asio::use_awaitable);
          }
          started = true;
          r.stop();
        },
        asio::detached);
    io.run_for(10s);
    REQUIRE(started);
  }
  std::int64_t started_at = 0;
  run_scenario_with(config, register_nap, [&](Resonate& r) -> asio::awaitable<void> {
    auto handle = co_await r.get<std::int64_t>("durable-1");
    started_at = co_await handle.result();
  });
  const auto finished_at =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  CHECK(steps == 1);  // the second process replayed the first step from the database
  CHECK(finished_at - started_at >= 400);
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + "-wal");
  std::filesystem::remove(path.string() + "-shm");
}

TEST_CASE("a detached call outlives its caller, which does not wait for it") {
  std::atomic<bool> child_done = false;
  run_scenario(
      [&](Resonate& r) {
        r.register_function("slow_square", [&](Context& ctx, int x) -> asio::awaitable<int> {
          co_await ctx.sleep(200ms);
          child_done = true;
          co_return x * x;
        });
        r.register_function("fire_and_forget", [](Context& ctx) -> asio::awaitable<std::string> {
          auto child = co_await ctx.detached<int>("slow_square", 3).spawn();
          co_return child.id();
        });
      },
      [&](Resonate& r) -> asio::awaitable<void> {
        auto id = co_await r.run<std::string>("det-1", "fire_and_forget");
        CHECK_FALSE(child_done.load());  // the parent finished first
        // {origin}:d{cyrb53 of the id the call would otherwise have had, det-1:0}, as in the TS SDK.
        CHECK(id == resonate::sdk::detached_id("det-1", "det-1:0"));
        auto child = co_await r.get<int>(id);
        CHECK(co_await child.result() == 9);
        CHECK(child_done.load());
      });
}

TEST_CASE("steps take strings, and lambdas that own strings, by value") {
  run_scenario(
      [](Resonate& r) {
        r.register_function("greet", [](Context& ctx, std::string name) -> asio::awaitable<std::string> {
          const std::string prefix = "hello, a rather long greeting prefix that does not fit SSO: ";
          auto step = [prefix](std::string who) { return prefix + who; };
          auto first = co_await ctx.run(step, name);
          auto second = co_await ctx.spawn_run(step, name + "!");
          auto later = co_await second.result();
          co_return first + " / " + later;
        });
      },
      [](Resonate& r) -> asio::awaitable<void> {
        const std::string expected_prefix = "hello, a rather long greeting prefix that does not fit SSO: ";
        auto text = co_await r.run<std::string>("greet-1", "greet", std::string("ada"));
        CHECK(text == expected_prefix + "ada / " + expected_prefix + "ada!");
      });
}

namespace {
// Polls until promise `id` exists (a workflow creates it on its first pass), then resolves it.
asio::awaitable<void> resolve_when_created(Resonate& r, const std::string& id, const boost::json::value& value) {
  for (;;) {
    try {
      co_await r.get<boost::json::value>(id);
      break;
    } catch (const resonate::NotFoundError&) {
    }
    asio::steady_timer timer(co_await asio::this_coro::executor, 5ms);
    co_await timer.async_wait(asio::use_awaitable);
  }
  co_await r.resolve(id, value);
}
}  // namespace

TEST_CASE("ctx.promise with a name uses that id and keeps the positions of the calls after it") {
  run_scenario(
      [](Resonate& r) {
        r.register_function("named", [](Context& ctx) -> asio::awaitable<std::string> {
          auto approval = co_await ctx.promise<bool>("approval-for-order-5");
          auto after = co_await ctx.run([](Context& step) { return step.id(); });
          const bool approved = co_await approval.result();
          co_return approval.id() + (approved ? " approved, " : " denied, ") + after;
        });
        r.register_function("empty_name", [](Context& ctx) -> asio::awaitable<std::string> {
          auto approval = co_await ctx.promise<bool>(std::string());
          co_return approval.id();
        });
      },
      [](Resonate& r) -> asio::awaitable<void> {
        auto handle = co_await r.run<std::string>("named-1", "named").spawn();
        co_await resolve_when_created(r, "approval-for-order-5", true);
        // The step after the named promise is still child 1, as after a positional one.
        CHECK(co_await handle.result() == "approval-for-order-5 approved, named-1:1");
        CHECK_THROWS_WITH_AS(co_await r.run<std::string>("named-2", "empty_name"),
                             "ctx.promise: invalid promise id '': empty or contains ':'", resonate::ExecutionError);
      });
}

TEST_CASE("a value that does not decode at an await point is a DecodeError the workflow can catch") {
  run_scenario(
      [](Resonate& r) {
        r.register_function("strict", [](Context& ctx) -> asio::awaitable<std::string> {
          auto approval = co_await ctx.promise<bool>("approval-strict");
          try {
            const bool approved = co_await approval.result();
            co_return approved ? "approved" : "denied";
          } catch (const resonate::DecodeError& e) {
            co_return std::string("caught: ") + e.what();
          }
        });
      },
      [](Resonate& r) -> asio::awaitable<void> {
        auto handle = co_await r.run<std::string>("strict-1", "strict").spawn();
        co_await resolve_when_created(r, "approval-strict", boost::json::value("yes"));
        // The message names the value and the reason, without Boost.JSON's source locations.
        CHECK(co_await handle.result() == "caught: cannot decode \"yes\": value is not boolean");
      });
}

TEST_CASE("spawn_run takes Options: a parallel step is retried with its policy") {
  std::atomic<int> attempts = 0;
  run_scenario(
      [&](Resonate& r) {
        r.register_function("parallel_retry", [&](Context& ctx) -> asio::awaitable<int> {
          resonate::Options options;
          options.retry = resonate::RetryPolicy::constant(10ms, 5);
          auto flaky = [&attempts]() -> int {
            if (++attempts < 3) throw std::runtime_error("not yet");
            return 7;
          };
          auto handle = co_await ctx.spawn_run(options, flaky);
          co_return co_await handle.result();
        });
      },
      [&](Resonate& r) -> asio::awaitable<void> {
        CHECK(co_await r.run<int>("parallel-retry-1", "parallel_retry") == 7);
        CHECK(attempts == 3);
      });
}

TEST_CASE("when_all collects handles of different types, and a vector of handles, in order") {
  run_scenario(
      [](Resonate& r) {
        r.register_function("square", [](int x) { return x * x; });
        r.register_function("fan_in", [](Context& ctx) -> asio::awaitable<std::string> {
          auto name = [](int n) { return "item-" + std::to_string(n); };
          auto text = co_await ctx.spawn_run(name, 4);
          auto number = co_await ctx.spawn_rpc<int>("square", 5);
          auto [first, second] = co_await resonate::when_all(text, number);

          std::vector<resonate::Handle<int>> squares;
          for (int i = 1; i <= 4; ++i) squares.push_back(co_await ctx.spawn_rpc<int>("square", i));
          const std::vector<int> all = co_await resonate::when_all(squares);
          std::string joined;
          for (const int value : all) joined += std::to_string(value) + ",";
          co_return first + "/" + std::to_string(second) + "/" + joined;
        });
        r.register_function("fan_in_failure", [](Context& ctx) -> asio::awaitable<int> {
          auto ok = [] { return 1; };
          auto broken = []() -> int { throw resonate::NonRetryableError("broken part"); };
          auto a = co_await ctx.spawn_run(ok);
          auto b = co_await ctx.spawn_run(broken);
          auto [x, y] = co_await resonate::when_all(a, b);
          co_return x + y;
        });
      },
      [](Resonate& r) -> asio::awaitable<void> {
        CHECK(co_await r.run<std::string>("fan-in-1", "fan_in") == "item-4/25/1,4,9,16,");
        CHECK_THROWS_WITH_AS(co_await r.run<int>("fan-in-2", "fan_in_failure"), "broken part",
                             resonate::ExecutionError);
      });
}


TEST_CASE("a failing execution pass is logged with its task id, version and the server's reason") {
  RecordingLogger recorder;
  resonate::LocalConfig config;
  config.tick_interval = 10ms;
  config.logger = recorder.logger();
  asio::io_context io;
  auto r = Resonate::local(io.get_executor(), config);
  // The server refuses this promise (an invalid target address): the pass cannot go on.
  r.register_function("refused", [](Context& ctx) -> asio::awaitable<bool> {
    resonate::Options options;
    options.tags = {{"resonate:target", "local://any@nowhere"}};
    auto handle = co_await ctx.promise<bool>(options);
    co_return co_await handle.result();
  });
  std::optional<resonate::LogRecord> logged;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await r.run<bool>("refused-1", "refused").spawn();
        // Wait for the record (the pass fails at once), not for a fixed time.
        for (int i = 0; i < 500 && !logged; ++i) {
          logged = recorder.find([](const resonate::LogRecord& record) {
            return record.level == resonate::LogLevel::error && record.field("id") == "refused-1";
          });
          asio::steady_timer timer(co_await asio::this_coro::executor, 10ms);
          co_await timer.async_wait(asio::use_awaitable);
        }
        r.stop();
      },
      asio::detached);
  io.run_for(20s);
  REQUIRE(logged.has_value());
  CHECK(logged->message == "execution pass failed; the task is released and executed again");
  CHECK(logged->field("version") == "1");
  CHECK(logged->field("error").find("Invalid resonate:target address") != std::string_view::npos);
}

TEST_CASE("an unregistered function is logged when its promise is rejected") {
  RecordingLogger recorder;
  resonate::LocalConfig config;
  config.tick_interval = 10ms;
  config.logger = recorder.logger();
  run_scenario_with(config, [](Resonate&) {},
                    [](Resonate& r) -> asio::awaitable<void> {
                      CHECK_THROWS_AS(co_await r.rpc<int>("unknown-logged", "no_such_function"),
                                      resonate::ExecutionError);
                    });
  const auto logged = recorder.find([](const resonate::LogRecord& record) { return record.field("id") == "unknown-logged"; });
  REQUIRE(logged.has_value());
  CHECK(logged->level == resonate::LogLevel::error);
  CHECK(logged->field("function") == "no_such_function");
}

TEST_CASE("the default log line is one line of key=value pairs, quoted where needed") {
  const resonate::LogRecord record{resonate::LogLevel::warn,
                                   "cannot acquire the task",
                                   {{"id", "order-7"}, {"version", "3"}, {"error", "said \"no\"\nthen left"}}};
  CHECK(resonate::format_log_line(record) ==
        "resonate: level=warn msg=\"cannot acquire the task\" id=order-7 version=3 error=\"said \\\"no\\\"\\nthen left\"");
}

TEST_CASE("is_replaying is true until the execution passes the furthest point an earlier pass reached") {
  std::mutex mutex;
  std::vector<std::string> seen;  // "<point>=<replaying>" in the order the passes ran them
  auto note = [&](std::string point, bool replaying) {
    std::lock_guard lock(mutex);
    seen.push_back(point + "=" + (replaying ? "yes" : "no"));
  };
  run_scenario(
      [&](Resonate& r) {
        r.register_function("narrated", [&](Context& ctx) -> asio::awaitable<int> {
          note("start", co_await ctx.is_replaying());
          auto one = [] { return 1; };
          const int a = co_await ctx.run(one);
          note("after-step", co_await ctx.is_replaying());
          co_await ctx.sleep(30ms);  // suspends: the next pass replays the step
          note("after-sleep", co_await ctx.is_replaying());
          auto inner = [&note](Context& step) -> asio::awaitable<int> {
            note("in-step", co_await step.is_replaying());
            co_return 2;
          };
          const int b = co_await ctx.run(inner);
          note("end", co_await ctx.is_replaying());
          co_return a + b;
        });
      },
      [&](Resonate& r) -> asio::awaitable<void> { CHECK(co_await r.run<int>("narrated-1", "narrated") == 3); });
  // First pass: nothing recorded yet. Second pass (after the sleep): everything up to the
  // sleep was run before; from there on it is new.
  const std::vector<std::string> expected{"start=no",      "after-step=no", "start=yes", "after-step=yes",
                                          "after-sleep=no", "in-step=no",   "end=no"};
  CHECK(seen == expected);
}
