// Lifecycle events for tracing (resonate/tracing.hpp): what a tracer sees of executions and
// steps across attempts, suspensions and replays.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "local_scenario.hpp"
#include "resonate/resonate.hpp"
#include "resonate/tracing.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using resonate::Context;
using resonate::Resonate;
using resonate::TraceEvent;

namespace {

// Keeps each event as one line "kind id call attempt [failed] [detail]", in arrival order.
class RecordingTracer {
 public:
  resonate::Tracer tracer() {
    return [this](const TraceEvent& event) {
      std::string line = std::string(resonate::to_string(event.kind)) + " " + event.id + " " + event.call + " #" +
                         std::to_string(event.attempt);
      if (event.failed) line += " failed";
      if (!event.detail.empty()) line += " (" + event.detail + ")";
      std::lock_guard lock(mutex_);
      lines_.push_back(line);
      events_.push_back(event);
    };
  }
  std::vector<std::string> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  std::vector<TraceEvent> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
  std::vector<TraceEvent> events_;
};

}  // namespace

TEST_CASE("a tracer sees an execution's passes and its steps' attempts, replays and outcomes") {
  RecordingTracer recording;
  resonate::LocalConfig config;
  config.tick_interval = 10ms;
  config.tracer = recording.tracer();
  std::atomic<int> tries = 0;
  resonate::test_support::run_scenario_with(
      config,
      [&](Resonate& r) {
        r.register_function("flow", [&](Context& ctx, int n) -> asio::awaitable<int> {
          resonate::Options flaky;
          flaky.name = "charge";
          flaky.retry = resonate::RetryPolicy::constant(1ms, 3);
          const int charged = co_await ctx.run(flaky, [&](int x) -> int {
            if (++tries < 2) throw std::runtime_error("card declined");
            return x * 2;
          }, n);
          co_await ctx.sleep(20ms);
          co_return charged + 1;
        });
      },
      [&](Resonate& r) -> asio::awaitable<void> { CHECK(co_await r.run<int>("trace-1", "flow", 20) == 41); });

  const std::vector<std::string> expected{
      "started trace-1 flow #1",
      "started trace-1:0 run charge #1",
      "retried trace-1:0 run charge #1 (card declined)",
      "started trace-1:0 run charge #2",
      "completed trace-1:0 run charge #2",
      "suspended trace-1 flow #1 (trace-1:1)",
      "started trace-1 flow #1",
      "replayed trace-1:0 run charge #1",
      "completed trace-1 flow #1",
  };
  CHECK(recording.lines() == expected);
  for (const auto& event : recording.events()) {
    CHECK(event.origin_id == "trace-1");
    CHECK(event.at > 0);
    // The root's parent is itself; a step's parent is the execution that runs it.
    CHECK(event.parent_id == "trace-1");
  }
}

TEST_CASE("a failed execution and a failed step complete as failed; a throwing tracer changes nothing") {
  RecordingTracer recording;
  resonate::LocalConfig config;
  config.tick_interval = 10ms;
  std::atomic<int> calls = 0;
  config.tracer = [&](const TraceEvent& event) {
    ++calls;
    recording.tracer()(event);
    throw std::runtime_error("the tracer is broken");
  };
  resonate::test_support::run_scenario_with(
      config,
      [&](Resonate& r) {
        r.register_function("doomed", [](Context& ctx) -> asio::awaitable<int> {
          co_return co_await ctx.run([]() -> int { throw resonate::NonRetryableError("out of stock"); });
        });
      },
      [&](Resonate& r) -> asio::awaitable<void> {
        CHECK_THROWS_WITH_AS(co_await r.run<int>("doomed-1", "doomed"), "out of stock", resonate::ExecutionError);
      });
  const auto lines = recording.lines();
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == "started doomed-1 doomed #1");
  CHECK(lines[1].starts_with("started doomed-1:0 run "));
  CHECK(lines[2].starts_with("completed doomed-1:0 run "));
  CHECK(lines[2].ends_with(" #1 failed"));
  CHECK(lines[3] == "completed doomed-1 doomed #1 failed");
  CHECK(calls == 4);
}
