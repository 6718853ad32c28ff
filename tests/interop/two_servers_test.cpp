// The C++ SDK against two implementations of the Resonate protocol, differentially: every
// scenario runs once against resonate-server (SQLite) and once against memory_server.mjs (the
// in-memory model of @resonatehq/sdk 0.11.5 behind an HTTP/SSE front), each in a fleet of its
// own. A scenario checks what it expects on each server and returns what must not depend on the
// server (values, which calls finish, promise ids, states and tags); the two must be equal.
//
// Without Node.js or @resonatehq/sdk the memory-server runs are skipped (and the comparison with
// them), except in CI, where that is a failure. Run with a PostgreSQL test cluster in the
// environment (interop_two_servers_test_postgres, server_store.hpp), only the resonate-server
// runs happen, on PostgreSQL: the memory-server runs are the plain test's.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "child_process.hpp"
#include "fleet.hpp"
#include "load_balancing_calls.hpp"
#include "output_lines.hpp"
#include "resonate/resonate.hpp"
#include "server_store.hpp"
#include "typescript_sdk.hpp"

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using resonate::test_support::ChildProcess;
using resonate::test_support::Fleet;
using resonate::test_support::ServerKind;

const load_balancing::Programs load_balancing_programs{LOAD_BALANCING_WORKER_PROGRAM, LOAD_BALANCING_CLIENT_PROGRAM};

// Runs `scenario` in a fresh fleet of each server: resonate-server, then memory-server (unless the
// SDK is missing: see interop::sdk_available, or this is the PostgreSQL run).
void on_each_server(const std::string& name, const std::function<void(Fleet&)>& scenario) {
  for (const auto kind : {ServerKind::resonate_server, ServerKind::memory_server}) {
    if (kind == ServerKind::memory_server &&
        (resonate::test_support::servers_use_postgres() || !interop::sdk_available())) {
      continue;
    }
    const auto server = kind == ServerKind::resonate_server
                            ? resonate::test_support::resonate_server(RESONATE_SERVER_PROGRAM)
                            : interop::memory_server();
    INFO("server: " << resonate::test_support::name_of(kind));
    Fleet fleet(server, "resonate-" + name);
    scenario(fleet);
  }
}

// Runs `scenario` on each server, then compares what the runs returned.
void on_both_servers(const std::string& name, const std::function<json::object(Fleet&)>& scenario) {
  std::vector<json::object> outcomes;
  on_each_server(name, [&](Fleet& fleet) {
    outcomes.push_back(scenario(fleet));
    MESSAGE(name << " on " << resonate::test_support::name_of(fleet.kind()) << ": " << json::serialize(outcomes.back()));
  });
  if (outcomes.size() < 2) return;
  CHECK_MESSAGE(outcomes[0] == outcomes[1], name << " differs between the servers\n  resonate-server: "
                                                 << json::serialize(outcomes[0])
                                                 << "\n  memory-server:   " << json::serialize(outcomes[1]));
}

// All lines of `process`, joined.
std::string output_of(const ChildProcess& process) {
  std::string text;
  for (const auto& line : process.lines()) text += line + "\n";
  return text;
}

// `resonate <arguments> --server <url>` run to its end: its exit code and output.
std::pair<int, std::string> cli(Fleet& fleet, std::vector<std::string> arguments) {
  std::string name = "cli";
  for (const auto& argument : arguments) name += " " + argument;
  arguments.insert(arguments.begin(), RESONATE_CLI_PROGRAM);
  arguments.insert(arguments.end(), {"--server", fleet.url()});
  auto& process = fleet.start(std::move(name), std::move(arguments));
  const auto code = process.wait_for_exit(30s);
  REQUIRE_MESSAGE(code.has_value(), fleet.transcript());
  return {*code, output_of(process)};
}

// The parts of a promise that do not depend on the server or the clock: id, state, tags (a
// target's process id removed), the function of its param and, when asked, its value's data.
json::object comparable(const json::object& promise, bool with_value) {
  json::object tags = promise.at("tags").as_object();
  if (auto* target = tags.if_contains("resonate:target")) {
    const std::string address(target->as_string());
    const auto group_end = address.find('/', address.find('@'));
    *target = address.substr(0, group_end);
  }
  json::object out{{"id", promise.at("id")}, {"state", promise.at("state")}, {"tags", tags}};
  const auto& param = promise.at("param").at("data");
  if (param.is_object()) {
    if (auto* func = param.as_object().if_contains("func")) out["func"] = *func;
  }
  if (with_value) out["value"] = promise.at("value").as_object().contains("data") ? promise.at("value").at("data") : nullptr;
  return out;
}

// Promise `id` as `resonate promises get` prints it, or nullopt when the server has none.
std::optional<json::object> promise_record(Fleet& fleet, const std::string& id) {
  // Not a structured binding: clang 14 cannot capture one in doctest's assertion lambdas.
  const auto answer = cli(fleet, {"promises", "get", id});
  if (answer.first != 0) {
    REQUIRE_MESSAGE(answer.second.find("(404)") != std::string::npos, answer.second);
    return std::nullopt;
  }
  return json::parse(answer.second).as_object();
}

// The promises `root`, `root:0`, `root:1`, … up to the first that does not exist, comparable.
json::array promise_tree(Fleet& fleet, const std::string& root) {
  json::array tree;
  auto record = promise_record(fleet, root);
  REQUIRE_MESSAGE(record.has_value(), "no promise " << root);
  tree.push_back(comparable(*record, false));
  for (int child = 0; (record = promise_record(fleet, root + ":" + std::to_string(child))); ++child) {
    tree.push_back(comparable(*record, false));
  }
  return tree;
}

// Runs `body` with a C++ client (group `clients`) of the fleet's server in this process, for at
// most `limit`: its value, or nullopt when it did not finish. `logger` receives the SDK's log.
template <class T>
std::optional<T> with_client(Fleet& fleet, std::function<asio::awaitable<T>(resonate::Resonate&)> body,
                             std::chrono::milliseconds limit, resonate::Logger logger = {}) {
  asio::io_context io;
  resonate::RemoteConfig config;
  config.url = fleet.url();
  config.group = "clients";
  config.logger = std::move(logger);
  auto client = resonate::Resonate::remote(io.get_executor(), config);
  auto done = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<T> {
        std::exception_ptr failure;
        std::optional<T> value;
        try {
          value = co_await body(client);
        } catch (...) {
          failure = std::current_exception();
        }
        client.stop();
        if (failure) std::rethrow_exception(failure);
        co_return std::move(*value);
      },
      asio::use_future);
  io.run_for(limit);
  if (done.wait_for(0s) == std::future_status::ready) return done.get();
  client.stop();  // the waiting handle fails and its coroutine ends
  io.run_for(5s);
  return std::nullopt;
}

template <class T>
T with_client(Fleet& fleet, std::function<asio::awaitable<T>(resonate::Resonate&)> body) {
  auto value = with_client<T>(fleet, std::move(body), 60s);
  REQUIRE_MESSAGE(value.has_value(), "the C++ client did not finish\n" << fleet.transcript());
  return std::move(*value);
}

}  // namespace

TEST_CASE("load balancing: calls of the example's client spread over two of its workers, on both servers") {
  on_both_servers("spread", [](Fleet& fleet) {
    load_balancing::Calls calls(fleet, load_balancing_programs);
    const std::vector<std::string> names = {"worker-a", "worker-b"};
    std::vector<ChildProcess*> workers = {&calls.worker(names[0]), &calls.worker(names[1])};

    // Both servers pick a member of the group at random: 16 calls all land on one worker once in
    // 2^15 runs.
    std::vector<std::string> ids;
    std::vector<ChildProcess*> clients;
    for (int i = 0; i < 16; ++i) {
      ids.push_back("spread-" + std::to_string(i));
      clients.push_back(&calls.client(ids.back(), 1));
    }
    json::array results;
    std::vector<std::size_t> started(workers.size(), 0);
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const auto value = calls.result(*clients[i], ids[i], 60s);
      CHECK(load_balancing::integer(value, "finished_at") - load_balancing::integer(value, "started_at") >= 1000);
      // The finishing worker printed its "done" line before returning, but this test reads the
      // workers' output on other threads: the result can arrive first. Wait for that line.
      // The same for the starting worker's "start" line.
      const std::string finisher(value.at("finished_by").as_string());
      const std::string starter(value.at("started_by").as_string());
      for (std::size_t w = 0; w < workers.size(); ++w) {
        if (names[w] == finisher) CHECK(workers[w]->wait_for_line(load_balancing::event(names[w], "done", ids[i]), 30s));
        if (names[w] == starter) CHECK(workers[w]->wait_for_line(load_balancing::event(names[w], "start", ids[i]), 30s));
      }
      // Each call started once and finished once, over both workers.
      std::size_t starts = 0;
      std::size_t dones = 0;
      for (std::size_t w = 0; w < workers.size(); ++w) {
        const auto here = workers[w]->count(load_balancing::event(names[w], "start", ids[i]));
        started[w] += here;
        starts += here;
        dones += workers[w]->count(load_balancing::event(names[w], "done", ids[i]));
      }
      results.push_back(json::object{{"id", value.at("id")}, {"cost", value.at("cost")}, {"starts", starts}, {"dones", dones}});
    }
    MESSAGE(resonate::test_support::name_of(fleet.kind()) << ": worker-a started " << started[0] << ", worker-b "
                                                          << started[1]);
    CHECK_MESSAGE(started[0] >= 1, fleet.transcript(20));
    CHECK_MESSAGE(started[1] >= 1, fleet.transcript(20));
    return json::object{{"calls", results}, {"workers_used", (started[0] > 0 ? 1 : 0) + (started[1] > 0 ? 1 : 0)}};
  });
}

TEST_CASE("durable sleep: the example's call sleeps on the server and ends on time, on both servers") {
  on_both_servers("sleep", [](Fleet& fleet) {
    load_balancing::Calls calls(fleet, load_balancing_programs);
    auto& worker = calls.worker("worker-a");
    constexpr int cost = 3;
    const auto value = calls.result(calls.client("nap", cost), "nap", 30s);
    const auto started_at = load_balancing::integer(value, "started_at");
    const auto took = load_balancing::integer(value, "finished_at") - started_at;
    // At least its sleep, and less than a sleep started again by the replay would take.
    CHECK(took >= cost * 1000);
    CHECK(took < 2 * cost * 1000);

    // The worker's events for the call: it suspended on the sleep and was woken for a replay.
    // It printed "done" before returning the result, but its output is read on another
    // thread: wait for that last line before reading them.
    REQUIRE_MESSAGE(worker.wait_for_line(load_balancing::event("worker-a", "done", "nap"), 30s), fleet.transcript());
    json::array events;
    for (const auto& line : worker.lines()) {
      if (resonate::test_support::field(line, "id") != "nap") continue;
      const auto word = line.substr(line.find("] ") + 2);
      events.emplace_back(word.substr(0, word.find(' ')));
    }
    // The timer promise is the third step (run, now, sleep) and its deadline is the first pass's.
    // A C++ client reads the same result by id (promise.get, then a listener while pending).
    const auto read = with_client<json::object>(fleet, [](resonate::Resonate& r) -> asio::awaitable<json::object> {
      auto handle = co_await r.get<json::object>("nap");
      co_return co_await handle.result();
    });
    CHECK(read == value);

    const auto timer = promise_record(fleet, "nap:2");
    REQUIRE(timer.has_value());
    const auto deadline = timer->at("timeoutAt").to_number<std::int64_t>();
    // Made by the first pass (a deadline made by a replay, after the sleep, would be a whole
    // cost later).
    CHECK(deadline >= started_at + cost * 1000);
    CHECK(deadline < started_at + 2 * cost * 1000);
    return json::object{{"value", json::object{{"id", value.at("id")},
                                               {"cost", value.at("cost")},
                                               {"started_by", value.at("started_by")},
                                               {"finished_by", value.at("finished_by")}}},
                        {"events", events},
                        {"promises", promise_tree(fleet, "nap")}};
  });
}

TEST_CASE("kill and recover: a worker SIGKILLed mid-sleep, the call ends on the other at its deadline, on both servers") {
  on_both_servers("recovery", [](Fleet& fleet) {
    load_balancing::Calls calls(fleet, load_balancing_programs);
    return load_balancing::crash_mid_sleep(calls);
  });
}

TEST_CASE("human in the loop: the example waits on its promise until the CLI resolves it, on both servers") {
  on_both_servers("human-in-the-loop", [](Fleet& fleet) {
    auto& review = fleet.start("review", {HUMAN_IN_THE_LOOP_PROGRAM, "--url", fleet.url(), "--id", "review-1",
                                          "--document", "Q3 report"});
    const auto instruction = review.wait_for_line_starting("settle it with: ", 30s);
    REQUIRE_MESSAGE(instruction.has_value(), fleet.transcript());
    CHECK(*instruction == "settle it with: resonate promises resolve review-1:0 --data '\"approved\"'");
    const auto pending = promise_record(fleet, "review-1:0");
    REQUIRE(pending.has_value());
    CHECK(pending->at("state") == "pending");
    CHECK_FALSE(review.has_printed([](std::string_view line) { return line.starts_with("review-1: "); }));

    const auto answer = cli(fleet, {"promises", "resolve", "review-1:0", "--data", "\"approved\""});
    REQUIRE_MESSAGE(answer.first == 0, answer.second << fleet.transcript());
    const auto resolved = json::parse(answer.second).as_object();

    REQUIRE_MESSAGE(review.wait_for_exit(30s) == 0, fleet.transcript());
    const auto lines = review.lines();
    CHECK(lines.size() == 4);
    CHECK(lines.back() == "review-1: published");
    json::array printed;
    for (const auto& line : lines) printed.emplace_back(line);
    const auto root = promise_record(fleet, "review-1");
    REQUIRE(root.has_value());
    return json::object{{"printed", printed},
                        {"pending", comparable(*pending, false)},
                        {"resolved", comparable(resolved, true)},
                        {"root", comparable(*root, true)}};
  });
}

TEST_CASE("countdown and fan_out (--url): sleeps in a loop, children run concurrently, on both servers") {
  on_both_servers("gallery", [](Fleet& fleet) {
    auto& countdown = fleet.start("countdown", {COUNTDOWN_PROGRAM, "--url", fleet.url(), "--id", "countdown-1", "--count",
                                                "3", "--delay-ms", "200"});
    REQUIRE_MESSAGE(countdown.wait_for_exit(30s) == 0, fleet.transcript());
    json::array counted;
    for (const auto& line : countdown.lines()) counted.emplace_back(line);

    auto& fan_out = fleet.start("fan_out", {FAN_OUT_PROGRAM, "--url", fleet.url(), "--id", "fan-out-1", "--count", "4",
                                            "--work-ms", "2000"});
    REQUIRE_MESSAGE(fan_out.wait_for_exit(30s) == 0, fleet.transcript());
    auto lines = fan_out.lines();
    REQUIRE_FALSE(lines.empty());
    // The last line ends with the time it took: "sum of squares 1..4 = 30 (512 ms)".
    const std::string sum = lines.back().substr(0, lines.back().find(" ("));
    lines.pop_back();
    // Every child starts before any finishes: they ran at the same time.
    std::size_t first_done = lines.size();
    std::size_t last_start = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].ends_with(": done")) first_done = std::min(first_done, i);
      if (lines[i].ends_with(": start")) last_start = i;
    }
    CHECK_MESSAGE(last_start < first_done, fleet.transcript());
    std::sort(lines.begin(), lines.end());  // children finish in any order
    json::array children;
    for (const auto& line : lines) children.emplace_back(line);
    return json::object{{"countdown", counted},
                        {"countdown_promises", promise_tree(fleet, "countdown-1")},
                        {"fan_out", children},
                        {"fan_out_sum", sum},
                        {"fan_out_promises", promise_tree(fleet, "fan-out-1")}};
  });
}

TEST_CASE("TypeScript SDK: a C++ client calls a TS worker and a TS client calls a C++ worker, on both servers") {
  if (!interop::sdk_available()) return;
  on_both_servers("typescript", [](Fleet& fleet) {
    interop::start_worker(fleet, "ts-worker", 4000);
    const auto computed = with_client<json::object>(fleet, [](resonate::Resonate& r) -> asio::awaitable<json::object> {
      const std::vector<int> numbers = {2, 3, 4};  // (outside co_await: GCC 12 miscompiles braced lists there)
      co_return co_await r.rpc<json::object>("cpp-calls-ts", "compute", numbers, 300).target("workers");
    });
    CHECK(computed.at("wokeAt").to_number<std::int64_t>() - computed.at("startedAt").to_number<std::int64_t>() >= 300);

    load_balancing::Calls calls(fleet, load_balancing_programs);
    calls.worker("worker-a");
    auto& client = interop::start_client(fleet, "ts-calls-cpp", "compute_something", R"(["ts-calls-cpp",1])");
    const auto line = interop::await_result_line(fleet, client, "ts-calls-cpp", 60s);
    const auto value = json::parse(interop::field(line, "value").value()).as_object();
    CHECK(load_balancing::integer(value, "finished_at") - load_balancing::integer(value, "started_at") >= 1000);
    CHECK(client.wait_for_exit(10s) == 0);

    return json::object{{"cpp_calls_ts", json::object{{"sum", computed.at("sum")}, {"product", computed.at("product")}}},
                        {"cpp_calls_ts_promises", promise_tree(fleet, "cpp-calls-ts")},
                        {"ts_calls_cpp", json::object{{"id", value.at("id")},
                                                      {"cost", value.at("cost")},
                                                      {"started_by", value.at("started_by")},
                                                      {"finished_by", value.at("finished_by")}}},
                        {"ts_calls_cpp_promises", promise_tree(fleet, "ts-calls-cpp")}};
  });
}

// --- where the servers differ, and the SDK copes ----------------------------------------------
// memory-server has no promise.search (501) and refuses listeners on untagged promises (422):
// the SDK falls back (is_replaying from what the pass knows; promise.get polling), so these run
// alike on both (docs/protocol.md lists the differences).

TEST_CASE("ctx.is_replaying (order_workflow) works without promise.search") {
  on_both_servers("order", [](Fleet& fleet) {
    auto& order = fleet.start("order", {ORDER_WORKFLOW_PROGRAM, "--url", fleet.url(), "--id", "order-1", "--items",
                                        "apples", "--sleep-ms", "200", "--auto-approve", "true"});
    REQUIRE_MESSAGE(order.wait_for_exit(30s) == 0, fleet.transcript());
    const auto lines = order.lines();
    REQUIRE_FALSE(lines.empty());
    json::array printed;  // the workflow's own lines (memory-server also gets a warning about search)
    for (const auto& line : lines) {
      if (line.starts_with("order-1: ")) printed.push_back(json::string(line));
    }
    return json::object{{"lines", printed}};
  });
}

TEST_CASE("awaiting a promise made by `resonate promises create` (no tags) sees it settle") {
  on_both_servers("external", [](Fleet& fleet) {
    REQUIRE(cli(fleet, {"promises", "create", "ext-1"}).first == 0);
    const auto value = with_client<std::string>(
        fleet,
        [&fleet](resonate::Resonate& r) -> asio::awaitable<std::string> {
          auto handle = co_await r.get<std::string>("ext-1");
          // Settled from outside while the client waits (or just before: either way it must see it).
          fleet.start("cli resolve", {RESONATE_CLI_PROGRAM, "promises", "resolve", "ext-1", "--data", "\"yes\"",
                                      "--server", fleet.url()});
          co_return co_await handle.result();
        },
        30s);
    REQUIRE_MESSAGE(value.has_value(), fleet.transcript());
    return json::object{{"value", *value}};
  });
}
