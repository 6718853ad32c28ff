// Proof of compatibility: the official TypeScript SDK (@resonatehq/sdk 0.11.5, unchanged) runs
// against resonate-server. Each case starts a private server on an ephemeral loopback port with
// a fresh SQLite file, then the SDK programs of this directory (worker.mjs, client.mjs), and
// follows them through the progress lines they print.

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "fleet.hpp"
#include "typescript_sdk.hpp"
#include "wall_clock.hpp"

namespace {

using namespace std::chrono_literals;
using interop::event_for;
using interop::integer_field;
using interop::sdk_available;
using resonate::test_support::ChildProcess;
using resonate::test_support::epoch_ms;

// Lease of the TS workers: short, so that a lost lease costs the test seconds, not a minute.
constexpr std::int64_t worker_ttl_ms = 4000;

// One test's world: a server with its own database, and the SDK processes started against it.
// Every process is killed when the scenario ends, and its output can be shown on failure.
class Scenario : public resonate::test_support::Fleet {
 public:
  Scenario() : Fleet(resonate::test_support::resonate_server(RESONATE_SERVER_PROGRAM), "resonate-interop") {}

  // Kills the server with SIGKILL and starts it again on the same port and database.
  void crash_and_restart_server() { restart_server(); }

  // A worker in group `workers`, started and connected; `hold_ms` is how long it keeps the
  // lease of a `hold` execution.
  ChildProcess& worker(const std::string& pid, std::int64_t hold_ms = 0) {
    return interop::start_worker(*this, pid, worker_ttl_ms, hold_ms);
  }

  // A client that starts `func(args...)` as execution `id` on group `workers` and waits for it.
  ChildProcess& client(const std::string& id, const std::string& func, const std::string& args_json) {
    return interop::start_client(*this, id, func, args_json);
  }
};

// What a client printed when its execution resolved.
struct Result {
  boost::json::object value;   // the function's return value
  std::int64_t received_at = 0;  // when the client saw the promise resolve
  std::int64_t integer(std::string_view key) const { return value.at(key).to_number<std::int64_t>(); }
};

// Waits for the client's `result` line about `id`; fails with every process's output otherwise.
Result await_result(const Scenario& scenario, ChildProcess& client, const std::string& id,
                    std::chrono::milliseconds timeout) {
  const auto line = interop::await_result_line(scenario, client, id, timeout);
  return {boost::json::parse(interop::field(line, "value").value()).as_object(), integer_field(line, "at")};
}

}  // namespace

TEST_CASE("a TS worker and a TS client complete a durable function on resonate-server") {
  if (!sdk_available()) return;
  Scenario scenario;
  scenario.worker("worker-a");

  constexpr std::int64_t sleep_ms = 500;
  auto& client = scenario.client("interop-basic", "compute", "[[2,3,4]," + std::to_string(sleep_ms) + "]");
  const auto result = await_result(scenario, client, "interop-basic", 30s);

  const std::int64_t started_at = result.integer("startedAt");
  MESSAGE("basic: slept " << result.integer("wokeAt") - started_at << " ms for a " << sleep_ms
                          << " ms sleep; result " << result.received_at - started_at << " ms after start");
  CHECK(result.integer("sum") == 9);
  CHECK(result.integer("product") == 24);
  CHECK(result.integer("wokeAt") - started_at >= sleep_ms);
  CHECK(client.wait_for_exit(10s) == 0);
}

TEST_CASE("a TS worker killed mid-sleep is replaced and the sleep still ends at its original deadline") {
  if (!sdk_available()) return;
  Scenario scenario;
  auto& first = scenario.worker("worker-a");

  const std::string id = "interop-recovery";
  constexpr std::int64_t sleep_ms = 10000;
  auto& client = scenario.client(id, "compute", "[[3,4,5]," + std::to_string(sleep_ms) + "]");

  // The sleep is durable once its timer promise exists and the task is suspended on it.
  const auto started = first.wait_for_line(event_for("started", id), 20s);
  REQUIRE_MESSAGE(started.has_value(), scenario.transcript());
  REQUIRE_MESSAGE(first.wait_for_line(event_for("sleeping", id), 10s).has_value(), scenario.transcript());
  REQUIRE_MESSAGE(first.wait_for_line_starting("response kind=task.suspend status=200", 10s).has_value(),
                  scenario.transcript());
  const std::int64_t started_at = integer_field(*started, "at");
  const std::int64_t deadline = started_at + sleep_ms;

  // Halfway through the sleep, worker-a dies and worker-b takes its place. This wait is the
  // scenario, not synchronisation: arriving mid-sleep is what makes a sleep that restarted on
  // worker-b finish visibly late (by about sleep_ms / 2) instead of on time.
  std::this_thread::sleep_until(std::chrono::system_clock::time_point(std::chrono::milliseconds(started_at + sleep_ms / 2)));
  first.signal(SIGKILL);
  REQUIRE(first.wait_for_exit(10s) == 128 + SIGKILL);
  const std::int64_t killed_at = epoch_ms();
  auto& second = scenario.worker("worker-b");
  const std::int64_t replaced_at = epoch_ms();

  const auto result = await_result(scenario, client, id, std::chrono::milliseconds(deadline - epoch_ms()) + 30s);
  MESSAGE("recovery: started at " << started_at << ", worker-a killed at +" << killed_at - started_at
                                  << " ms, worker-b connected at +" << replaced_at - started_at
                                  << " ms, original deadline +" << sleep_ms << " ms, woke at +"
                                  << result.integer("wokeAt") - started_at << " ms, result at +"
                                  << result.received_at - started_at << " ms");
  CHECK(result.integer("sum") == 12);
  CHECK(result.integer("product") == 60);
  // The replay on worker-b read worker-a's checkpoint instead of starting the clock again.
  CHECK(result.integer("startedAt") == started_at);
  CHECK(second.has_printed(event_for("slept", id)));
  CHECK_FALSE(first.has_printed(event_for("slept", id)));
  // Only the remaining time was waited: not before the original deadline, and before a sleep
  // restarted on worker-b could end (worker-b was started after the kill). No
  // latency budget: a machine that stalls for seconds (one CI run: the kill came 5 s late, after
  // the deadline, and the task then waited for worker-a's lease) delays the result, never
  // shortens a restarted sleep.
  CHECK(result.integer("wokeAt") >= deadline);
  CHECK(result.received_at >= deadline);
  CHECK(result.integer("wokeAt") < killed_at + sleep_ms);
  CHECK(client.wait_for_exit(10s) == 0);
}

TEST_CASE("a TS worker keeps its leases by heartbeats, and its tasks move to another worker when it dies") {
  if (!sdk_available()) return;
  Scenario scenario;
  auto& first = scenario.worker("worker-a", 600'000);

  // Two executions held at once: the SDK heartbeats them in one batch mixing two origins,
  // which the server must accept (docs/interop-facts.md, "heartbeat").
  const std::vector<std::string> ids = {"interop-lease-1", "interop-lease-2"};
  std::vector<ChildProcess*> clients;
  std::vector<std::int64_t> started_at;
  std::int64_t acquired_at = 0;
  for (const auto& id : ids) clients.push_back(&scenario.client(id, "hold", "[]"));
  for (const auto& id : ids) {
    const auto holding = first.wait_for_line(event_for("holding", id), 20s);
    REQUIRE_MESSAGE(holding.has_value(), scenario.transcript());
    acquired_at = std::max(acquired_at, integer_field(*holding, "at"));
    const auto started = first.wait_for_line(event_for("started", id), 1s);
    REQUIRE_MESSAGE(started.has_value(), scenario.transcript());
    started_at.push_back(integer_field(*started, "at"));
  }
  auto& second = scenario.worker("worker-b");

  // Three heartbeats at ttl/2 take the leases past their first ttl: without them the tasks would
  // have been redelivered by now, and worker-b (connected, idle) would have started them.
  int heartbeats = 0;
  const auto third_heartbeat = first.wait_for_line(
      [&](std::string_view line) { return line.starts_with("response kind=task.heartbeat status=200") && ++heartbeats == 3; },
      std::chrono::milliseconds(4 * worker_ttl_ms));
  REQUIRE_MESSAGE(third_heartbeat.has_value(), scenario.transcript());
  const std::int64_t held_for = epoch_ms() - acquired_at;
  CHECK(held_for > worker_ttl_ms);
  for (const auto& id : ids) CHECK_FALSE(second.has_printed(event_for("started", id)));

  first.signal(SIGKILL);
  REQUIRE(first.wait_for_exit(10s) == 128 + SIGKILL);
  const std::int64_t killed_at = epoch_ms();

  for (std::size_t index = 0; index < ids.size(); ++index) {
    const auto& id = ids[index];
    const auto result = await_result(scenario, *clients[index], id, std::chrono::milliseconds(worker_ttl_ms) + 20s);
    const auto taken_over = second.wait_for_line(event_for("holding", id), 1s);
    REQUIRE_MESSAGE(taken_over.has_value(), scenario.transcript());
    const std::int64_t taken_over_at = integer_field(*taken_over, "at");
    MESSAGE("lease: worker-a held " << id << " for " << held_for << " ms (ttl " << worker_ttl_ms
                                    << " ms), worker-b took it over " << taken_over_at - killed_at << " ms after the kill");
    CHECK(result.value.at("worker").as_string() == "worker-b");
    CHECK(result.integer("startedAt") == started_at[index]);
    // The lease lapses at most one ttl after the last heartbeat; then the task is redelivered.
    CHECK(taken_over_at <= killed_at + worker_ttl_ms + 2000);
    CHECK(clients[index]->wait_for_exit(10s) == 0);
  }
}

TEST_CASE("work started while no TS worker is connected waits, and is delivered once one connects") {
  if (!sdk_available()) return;
  // The execute sent while nobody listens is parked by the server and handed to the first
  // worker of the group that connects: no wait for the (default, 30 s) retry timer.
  Scenario scenario;

  const std::string id = "interop-waiting";
  auto& client = scenario.client(id, "compute", "[[6,7],100]");
  REQUIRE_MESSAGE(client.wait_for_line(event_for("invoked", id), 20s).has_value(), scenario.transcript());

  scenario.worker("worker-a");
  const std::int64_t connected_at = epoch_ms();
  const auto result = await_result(scenario, client, id, 20s);
  MESSAGE("waiting: result " << result.received_at - connected_at << " ms after the first worker connected");
  CHECK(result.integer("sum") == 13);
  CHECK(result.integer("product") == 42);
  // Node start-up, the SSE connection and the execution itself; far below the retry interval.
  CHECK(result.received_at - connected_at <= 10000);
  CHECK(client.wait_for_exit(10s) == 0);
}

TEST_CASE("a TS execution sleeping through a crash and restart of resonate-server ends on time") {
  if (!sdk_available()) return;
  Scenario scenario;
  auto& worker = scenario.worker("worker-a");

  const std::string id = "interop-restart";
  constexpr std::int64_t sleep_ms = 6000;
  auto& client = scenario.client(id, "compute", "[[5,6],"  + std::to_string(sleep_ms) + "]");
  const auto started = worker.wait_for_line(event_for("started", id), 20s);
  REQUIRE_MESSAGE(started.has_value(), scenario.transcript());
  REQUIRE_MESSAGE(worker.wait_for_line_starting("response kind=task.suspend status=200", 10s).has_value(),
                  scenario.transcript());
  const std::int64_t started_at = integer_field(*started, "at");
  const std::int64_t deadline = started_at + sleep_ms;

  // Everything acknowledged so far (the root promise, the checkpoints, the timer, the suspended
  // task, the client's listener) must survive the crash.
  scenario.crash_and_restart_server();
  const std::int64_t restarted_at = epoch_ms();
  // Both SDK processes reconnect their streams by themselves (backoff 1 s, 2 s, …).
  const auto reconnected = [](std::string_view line) { return line.starts_with("connected"); };
  for (auto* process : {&worker, &client}) {
    int connections = 0;
    REQUIRE_MESSAGE(process->wait_for_line([&](std::string_view line) { return reconnected(line) && ++connections == 2; },
                                           std::chrono::milliseconds(deadline - epoch_ms())),
                    process->name() << " did not reconnect before the deadline\n" << scenario.transcript());
  }

  const auto result = await_result(scenario, client, id, std::chrono::milliseconds(deadline - epoch_ms()) + 30s);
  MESSAGE("restart: server crashed and restarted at +" << restarted_at - started_at << " ms, deadline +" << sleep_ms
                                                      << " ms, result at +" << result.received_at - started_at << " ms");
  CHECK(result.integer("sum") == 11);
  CHECK(result.integer("product") == 30);
  CHECK(result.integer("startedAt") == started_at);
  CHECK(result.received_at >= deadline);
  CHECK(result.received_at <= deadline + 3000);
  CHECK(client.wait_for_exit(10s) == 0);
}
