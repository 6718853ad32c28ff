// Scale-out: three resonate-server replicas over one PostgreSQL database, used as a team would.
// C++ and TS workers connect to replica A, clients to replica B; the calls (RPCs from the
// clients, each a step, a durable sleep and a step on a worker) must complete through the
// shared outbox, not through the 30 s retry timer (set to a minute here, so that a message
// that never crossed replicas shows as a timeout). Then replica A is SIGKILLed mid-sleep: the
// C++ workers, given "A,C", move to replica C by themselves; the TS worker (its SDK takes one
// URL) is restarted against C. Every execution finishes, each started once and done once.
//
// Runs only with the private PostgreSQL cluster (interop_replicas_test: fixture store_postgres).
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "child_process.hpp"
#include "output_lines.hpp"
#include "scratch_directory.hpp"
#include "server_child.hpp"
#include "server_store.hpp"
#include "typescript_sdk.hpp"

namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using resonate::test_support::ChildProcess;

constexpr int worker_ttl_ms = 3000;
constexpr int call_cost_s = 4;

// The replicas and every program started against them, in one scratch directory; all killed
// when the scenario ends.
class Replicas {
 public:
  Replicas() : store_(resonate::test_support::fresh_server_store(directory_.path())) {
    for (const std::string name : {"A", "B", "C"}) {
      auto command = resonate::test_support::serve_command(
          RESONATE_SERVER_PROGRAM, 0, store_,
          {"--replica-id", name, "--log-level", "debug", "--retry-interval-ms", "60000"});
      auto& server = start("replica " + name, std::move(command));
      urls_.push_back(resonate::test_support::loopback_url(resonate::test_support::await_listening(server)));
      servers_.push_back(&server);
    }
  }

  ChildProcess& start(std::string name, std::vector<std::string> arguments) {
    processes_.push_back(std::make_unique<ChildProcess>(std::move(name), std::move(arguments), directory_.path()));
    return *processes_.back();
  }

  // Replica 0 (A), 1 (B) or 2 (C).
  const std::string& url(std::size_t replica) const { return urls_.at(replica); }
  ChildProcess& server(std::size_t replica) { return *servers_.at(replica); }

  std::string transcript() const {
    std::string text;
    for (const auto& process : processes_) text += process->transcript(40) + "\n";
    return text;
  }

 private:
  resonate::test_support::ScratchDirectory directory_{"resonate-replicas"};
  std::string store_;
  std::vector<std::unique_ptr<ChildProcess>> processes_;
  std::vector<ChildProcess*> servers_;
  std::vector<std::string> urls_;
};

// A load-balancing worker line about call `id`: "[NAME] start  id=ID …" and the like.
auto worker_event(const std::string& event, const std::string& id) {
  return [event, id](std::string_view line) {
    const auto close = line.find("] ");
    if (close == std::string_view::npos) return false;
    auto rest = line.substr(close + 2);
    return rest.starts_with(event + " ") && resonate::test_support::field(rest, "id") == id;
  };
}

// Any line of `event` about `id`, from a C++ worker or from worker.mjs ("EVENT id=ID …").
auto any_worker_event(const std::string& event, const std::string& id) {
  return [cpp = worker_event(event, id), ts = interop::event_for(event, id)](std::string_view line) {
    return cpp(line) || ts(line);
  };
}

}  // namespace

TEST_CASE("three replicas over one PostgreSQL database: workers on A, clients on B, A killed mid-sleep") {
  if (!resonate::test_support::servers_use_postgres()) {
    MESSAGE("skipped: needs the PostgreSQL test cluster (run as interop_replicas_test)");
    return;
  }
  if (!interop::sdk_available()) return;
  Replicas replicas;
  const auto a_then_c = replicas.url(0) + "," + replicas.url(2);

  // Workers on A: two C++ workers that know C as well, and a TS worker that serves the same
  // function (tests/interop/functions.mjs compute_something).
  std::vector<ChildProcess*> workers;
  for (const std::string name : {"cpp-1", "cpp-2"}) {
    auto& worker = replicas.start(name, {LOAD_BALANCING_WORKER_PROGRAM, "--url", a_then_c, "--name", name, "--ttl-ms",
                                         std::to_string(worker_ttl_ms)});
    const auto ready = worker.wait_for_line_starting("[" + name + "] ready", 15s);
    REQUIRE_MESSAGE(ready.has_value(), replicas.transcript());
    const auto pid = resonate::test_support::field(*ready, "pid").value();
    REQUIRE_MESSAGE(resonate::test_support::await_poll_connected(replicas.server(0), pid), replicas.transcript());
    workers.push_back(&worker);
  }
  auto start_ts_worker = [&](std::size_t replica, const std::string& pid) -> ChildProcess& {
    auto& worker = replicas.start("ts " + pid, {"node", (interop::directory / "worker.mjs").string(),
                                                replicas.url(replica), "--pid=" + pid,
                                                "--ttl=" + std::to_string(worker_ttl_ms),
                                                "--functions=compute_something", "--verbose"});
    REQUIRE_MESSAGE(worker.wait_for_line_starting("connected", 15s).has_value(), replicas.transcript());
    workers.push_back(&worker);
    return worker;
  };
  auto& ts_on_a = start_ts_worker(0, "ts-a");

  // Clients on B: C++ and TS, one call each, every call an RPC to the group `workers`.
  std::vector<std::string> ids;
  std::vector<ChildProcess*> clients;
  for (int i = 0; i < 6; ++i) {
    const auto id = "replicated-" + std::to_string(i);
    ids.push_back(id);
    if (i % 3 == 2) {
      clients.push_back(&replicas.start("ts client " + id, {"node", (interop::directory / "client.mjs").string(),
                                                            replicas.url(1), "--id=" + id, "--func=compute_something",
                                                            "--args=[\"" + id + "\"," + std::to_string(call_cost_s) + "]"}));
    } else {
      clients.push_back(&replicas.start("client " + id, {LOAD_BALANCING_CLIENT_PROGRAM, "--url", replicas.url(1), "--id",
                                                         id, "--cost", std::to_string(call_cost_s), "--wait"}));
    }
  }

  // Every call reached a worker on A from a client on B: delivered across replicas.
  auto started_anywhere = [&](const std::string& id) {
    return std::any_of(workers.begin(), workers.end(),
                       [&](ChildProcess* worker) { return worker->has_printed(any_worker_event("start", id)); });
  };
  for (const auto& id : ids) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!started_anywhere(id) && std::chrono::steady_clock::now() < deadline) {
      for (auto* worker : workers) worker->wait_for_line(any_worker_event("start", id), 200ms);
    }
    REQUIRE_MESSAGE(started_anywhere(id), id << " never started\n" << replicas.transcript());
  }
  for (const auto& id : ids) {
    CHECK_MESSAGE(std::none_of(workers.begin(), workers.end(),
                               [&](ChildProcess* worker) { return worker->has_printed(any_worker_event("done", id)); }),
                  id << " finished before replica A was killed: the scenario needs longer calls");
  }

  // Replica A dies with every call asleep; the TS worker on it is restarted against C.
  replicas.server(0).signal(SIGKILL);
  REQUIRE(replicas.server(0).wait_for_exit(10s) == 128 + SIGKILL);
  ts_on_a.signal(SIGKILL);
  REQUIRE(ts_on_a.wait_for_exit(10s) == 128 + SIGKILL);
  start_ts_worker(2, "ts-c");
  for (auto* worker : {workers[0], workers[1]}) {
    CHECK_MESSAGE(worker->wait_for_line([](std::string_view line) { return line.find("moving to the next one") != std::string_view::npos; }, 15s)
                      .has_value(),
                  worker->name() << " did not move to replica C\n" << replicas.transcript());
  }

  // Every call ends with its value, well within the (one-minute) retry interval.
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto line = clients[i]->wait_for_line(resonate::test_support::outcome_line(ids[i]), 45s);
    REQUIRE_MESSAGE(line.has_value(), "no result for " << ids[i] << "\n" << replicas.transcript());
    REQUIRE_MESSAGE(line->starts_with("result "), *line << "\n" << replicas.transcript());
    const auto value = json::parse(line->substr(line->find('{'))).as_object();
    CHECK(value.at("id") == json::value(ids[i]));
    CHECK(value.at("cost").to_number<int>() == call_cost_s);
    // The durable sleep lasted its cost, from the first worker's checkpointed start time.
    CHECK(value.at("finished_at").to_number<std::int64_t>() - value.at("started_at").to_number<std::int64_t>() >=
          call_cost_s * 1000);
  }

  // None ran twice: one first pass of its start step, one end, over all workers.
  for (const auto& id : ids) {
    std::size_t starts = 0, ends = 0;
    for (auto* worker : workers) {
      starts += worker->count(any_worker_event("start", id));
      ends += worker->count(any_worker_event("done", id));
    }
    CHECK_MESSAGE(starts == 1, id << " started " << starts << " times\n" << replicas.transcript());
    CHECK_MESSAGE(ends == 1, id << " ended " << ends << " times\n" << replicas.transcript());
  }
  // B and C say which replica they are, in every line and in /metrics.
  CHECK(replicas.server(1).has_printed([](std::string_view line) { return line.find(" replica=B") != std::string_view::npos; }));
  CHECK(replicas.server(2).has_printed([](std::string_view line) { return line.find(" replica=C") != std::string_view::npos; }));
}
