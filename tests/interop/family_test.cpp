// Proof of compatibility with the official Python SDK (resonate-sdk 0.8 from PyPI, unchanged,
// in tests/interop/python/.venv) and Rust SDK (crate resonate-sdk 0.4 from the crates registry, built into
// tests/interop/rust/bin): their load-balancing workers and clients (tests/interop/python,
// tests/interop/rust) against resonate-server, beside the C++ programs of
// examples/load_balancing and the TypeScript ones of this directory. Each case starts a private
// server (fresh SQLite file, port 0) and follows the programs through the lines they print;
// docs/interop.md has the matrix these cases measure. (Go: tests/interop/go/README.md.)

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "fleet.hpp"
#include "load_balancing_calls.hpp"
#include "output_lines.hpp"
#include "python_sdk.hpp"
#include "rust_sdk.hpp"
#include "typescript_sdk.hpp"
#include "wall_clock.hpp"

namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using load_balancing::Calls;
using load_balancing::event;
using load_balancing::integer;
using resonate::test_support::ChildProcess;
using resonate::test_support::epoch_ms;
using resonate::test_support::Fleet;

// A dead worker's lease lapses within this; the workers of these cases hold leases only for
// the milliseconds of a pass (they suspend on their sleeps).
constexpr int worker_ttl_ms = 3000;

// The server wakes a timer on its 1 s tick; then delivery, acquire and replay. A sleep that
// restarted on the survivor would come out `cost` late, far beyond this.
constexpr std::int64_t wake_slack_ms = 3000;

const load_balancing::Programs cpp_programs{LOAD_BALANCING_WORKER_PROGRAM, LOAD_BALANCING_CLIENT_PROGRAM};

Fleet make_fleet() { return Fleet(resonate::test_support::resonate_server(RESONATE_SERVER_PROGRAM), "resonate-family"); }

enum class Sdk { cpp, python, rust, typescript };

std::string_view name_of(Sdk sdk) {
  switch (sdk) {
    case Sdk::cpp: return "C++";
    case Sdk::python: return "Python";
    case Sdk::rust: return "Rust";
    case Sdk::typescript: return "TypeScript";
  }
  return "?";
}

// Worker names and call ids of an SDK: "py", "rs".
std::string short_name(Sdk sdk) {
  switch (sdk) {
    case Sdk::cpp: return "cpp";
    case Sdk::python: return "py";
    case Sdk::rust: return "rs";
    case Sdk::typescript: return "ts";
  }
  return "?";
}

bool available(Sdk sdk) {
  if (sdk == Sdk::python) return interop::python_sdk_available();
  if (sdk == Sdk::rust) return interop::rust_sdk_available();
  if (sdk == Sdk::typescript) return interop::sdk_available();
  return true;
}

// Whether a worker of `survivor` finds the checkpoints a worker of `starter` wrote when it
// replays an execution: the ids of durable calls must be spelled alike. The Rust SDK joins them
// to their parent with '.' (`job.0`), the others with ':' (`job:0`). The C++ SDK spells the ids
// of an execution it finds Rust ids in the Rust way (lib/sdk/ids.hpp); the others do not, so a
// replay of theirs across Rust finds nothing and runs the function again from the top.
bool finds_checkpoints(Sdk survivor, Sdk starter) {
  if ((survivor == Sdk::rust) == (starter == Sdk::rust)) return true;
  return starter == Sdk::rust && survivor == Sdk::cpp;
}

// Whether the claim (who started the call) sits at the same position: Python numbers durable
// calls from 1, C++, TypeScript and Rust from 0 (tests/interop/python/worker.py).
bool same_numbering(Sdk one, Sdk other) { return (one == Sdk::python) == (other == Sdk::python); }

// A worker of group `workers` serving compute_something, of any of the three SDKs.
struct Member {
  Sdk sdk;
  std::string name;
  ChildProcess* process;
};

// The load-balancing programs of the SDKs in one fleet: C++ (examples/load_balancing), Python
// (tests/interop/python), Rust (tests/interop/rust) and TypeScript (worker.mjs, client.mjs with
// compute_something).
class Family {
 public:
  explicit Family(Fleet& fleet)
      : fleet_(fleet),
        cpp_(fleet, cpp_programs),
        python_(fleet, interop::python_programs()),
        rust_(fleet, interop::rust_programs()) {}

  Member worker(Sdk sdk, const std::string& name) {
    switch (sdk) {
      case Sdk::cpp: return {sdk, name, &cpp_.worker(name, worker_ttl_ms)};
      case Sdk::python: return {sdk, name, &python_.worker(name, worker_ttl_ms)};
      case Sdk::rust: return {sdk, name, &rust_.worker(name, worker_ttl_ms)};
      case Sdk::typescript: return {sdk, name, &interop::start_worker(fleet_, name, worker_ttl_ms, 0, "compute_something")};
    }
    FAIL("unknown SDK");
    return {};
  }

  // A client calling compute_something(id, cost) on `poll://any@workers` and waiting for it.
  ChildProcess& client(Sdk sdk, const std::string& id, int cost) {
    switch (sdk) {
      case Sdk::cpp: return cpp_.client(id, cost);
      case Sdk::python: return python_.client(id, cost);
      case Sdk::rust: return rust_.client(id, cost);
      case Sdk::typescript:
        return interop::start_client(fleet_, id, "compute_something",
                                     "[\"" + id + "\"," + std::to_string(cost) + "]");
    }
    FAIL("unknown SDK");
    return cpp_.client(id, cost);
  }

  // The value of the client's `result id=<id> …` line (the JSON object on it; client.mjs
  // prints `at=<ms> value=<JSON>` before it, which holds no brace).
  json::object result(ChildProcess& client, const std::string& id, std::chrono::milliseconds limit) {
    const auto line = client.wait_for_line(resonate::test_support::outcome_line(id), limit);
    REQUIRE_MESSAGE(line.has_value(), "no result for " << id << "\n" << fleet_.transcript());
    REQUIRE_MESSAGE(line->starts_with("result "), *line << "\n" << fleet_.transcript());
    const auto brace = line->find('{');
    REQUIRE_MESSAGE(brace != std::string::npos, *line);
    return json::parse(line->substr(brace)).as_object();
  }

  Fleet& fleet() { return fleet_; }

 private:
  Fleet& fleet_;
  Calls cpp_;
  Calls python_;
  Calls rust_;
};

// A worker's line `what` (start, resume, done) about call `id`.
std::function<bool(std::string_view)> on(const Member& member, const std::string& what, const std::string& id) {
  if (member.sdk == Sdk::typescript) return interop::event_for(what, id);
  return event(member.name, what, id);
}

std::string text_of(const json::value& value) { return value.is_string() ? std::string(value.as_string()) : "null"; }

// Waits until one of `workers` prints `what` about `id`; which one.
std::size_t await_any(std::vector<Member>& workers, const std::string& what, const std::string& id, Fleet& fleet,
                      std::chrono::seconds limit = 20s) {
  for (const auto deadline = std::chrono::steady_clock::now() + limit;;) {
    REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline,
                    "nobody printed " << what << " for " << id << "\n" << fleet.transcript());
    for (std::size_t i = 0; i < workers.size(); ++i) {
      if (workers[i].process->wait_for_line(on(workers[i], what, id), 50ms)) return i;
    }
  }
}

// Waits for the `done` line of the worker that finished call `id` (named in its result): the
// client can see the result before that worker's line arrives (Node.js writes to a pipe
// asynchronously). Then a count of `done` lines means something.
void await_done(const std::vector<Member>& workers, const json::object& value, const std::string& id, Fleet& fleet) {
  const auto finisher = std::find_if(workers.begin(), workers.end(), [&](const Member& member) {
    return member.name == text_of(value.at("finished_by"));
  });
  REQUIRE_MESSAGE(finisher != workers.end(), json::serialize(value));
  REQUIRE_MESSAGE(finisher->process->wait_for_line(on(*finisher, "done", id), 10s).has_value(), fleet.transcript());
}

}  // namespace

// Six calls over two workers of `sdk`; one is SIGKILLed mid-sleep and the other ends its calls on time.
void six_calls_and_a_kill(Sdk sdk) {
  if (!available(sdk)) return;
  const auto a = short_name(sdk) + "-a", b = short_name(sdk) + "-b";
  Fleet fleet = make_fleet();
  Family family(fleet);
  constexpr int cost = 6;  // seconds
  std::vector<std::string> ids;
  for (int i = 1; i <= 6; ++i) ids.push_back(short_name(sdk) + "-job-" + std::to_string(i));

  // Three calls while `a` is alone, so it has work for certain; three more once `b` is up,
  // spread by the server at random.
  std::vector<Member> workers{family.worker(sdk, a)};
  std::vector<ChildProcess*> clients;
  std::map<std::string, std::size_t> starter;
  std::map<std::string, std::int64_t> started_at;
  for (std::size_t i = 0; i < 3; ++i) clients.push_back(&family.client(sdk, ids[i], cost));
  for (std::size_t i = 0; i < 3; ++i) starter[ids[i]] = await_any(workers, "start", ids[i], fleet);
  workers.push_back(family.worker(sdk, b));
  for (std::size_t i = 3; i < 6; ++i) clients.push_back(&family.client(sdk, ids[i], cost));
  for (std::size_t i = 3; i < 6; ++i) starter[ids[i]] = await_any(workers, "start", ids[i], fleet);

  // a's calls are durable once suspended on their sleeps; it dies halfway through the last
  // one's (a scenario timing: a sleep that restarted on b would then end visibly late).
  auto& doomed = *workers[0].process;
  std::int64_t last_start_on_a = 0;
  for (const auto& id : ids) {
    const auto start = workers[starter[id]].process->wait_for_line(on(workers[starter[id]], "start", id), 1s);
    REQUIRE(start.has_value());
    started_at[id] = std::stoll(resonate::test_support::field(*start, "at_ms").value());
    if (starter[id] != 0) continue;
    last_start_on_a = std::max(last_start_on_a, started_at[id]);
    REQUIRE_MESSAGE(doomed.wait_for_line(event(a, "suspended", id), 10s).has_value(), fleet.transcript());
  }
  std::this_thread::sleep_until(
      std::chrono::system_clock::time_point(std::chrono::milliseconds(last_start_on_a + cost * 1000 / 2)));
  doomed.signal(SIGKILL);
  REQUIRE(doomed.wait_for_exit(10s) == 128 + SIGKILL);
  const std::int64_t killed_at = epoch_ms();

  std::ostringstream spread;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto& id = ids[i];
    const auto value = family.result(*clients[i], id, std::chrono::seconds(cost) + 30s);
    INFO(id << ": " << json::serialize(value) << "\n" << fleet.transcript());
    const auto& first = workers[starter[id]];
    spread << id << " started by " << first.name << "; ";
    CHECK(value.at("id").as_string() == id);
    CHECK(integer(value, "cost") == cost);
    CHECK(text_of(value.at("started_by")) == first.name);
    CHECK(integer(value, "started_at") == started_at[id]);
    CHECK(text_of(value.at("finished_by")) == b);
    // Slept its cost, from its first start: not less, and not a restarted sleep.
    const auto took = integer(value, "finished_at") - integer(value, "started_at");
    CHECK(took >= cost * 1000);
    CHECK(took < cost * 1000 + wake_slack_ms);
    if (starter[id] == 0) {
      // Taken over from the dead worker: b waited only for what was left of the sleep.
      CHECK(integer(value, "finished_at") - killed_at < cost * 1000);
      CHECK(workers[1].process->has_printed(event(b, "resume", id)));
    }
    // One execution: started once, finished once.
    await_done(workers, value, id, fleet);
    CHECK(workers[0].process->count(event(a, "start", id)) + workers[1].process->count(event(b, "start", id)) == 1);
    CHECK(workers[0].process->count(event(a, "done", id)) == 0);
    CHECK(workers[1].process->count(event(b, "done", id)) == 1);
    CHECK(clients[i]->wait_for_exit(10s) == 0);
  }
  MESSAGE(name_of(sdk) << " fleet: " << spread.str() << a << " SIGKILLed at +" << killed_at - started_at[ids[0]] << " ms");
}

TEST_CASE("Python: six calls over two Python workers; one is SIGKILLed mid-sleep and the other ends them on time") {
  six_calls_and_a_kill(Sdk::python);
}

TEST_CASE("Rust: six calls over two Rust workers; one is SIGKILLed mid-sleep and the other ends them on time") {
  six_calls_and_a_kill(Sdk::rust);
}

// The same id called twice through clients of `sdk`: one execution, both callers get its result.
void same_id_twice(Sdk sdk) {
  if (!available(sdk)) return;
  Fleet fleet = make_fleet();
  Family family(fleet);
  std::vector<Member> workers{family.worker(sdk, short_name(sdk) + "-a"), family.worker(sdk, short_name(sdk) + "-b")};

  const std::string id = short_name(sdk) + "-twice";
  auto& first = family.client(sdk, id, 2);
  REQUIRE_MESSAGE(first.wait_for_line_starting("submitted id=" + id, 20s).has_value(), fleet.transcript());
  // Another cost: the second call's arguments are not those of the execution, which exists.
  auto& second = family.client(sdk, id, 9);
  const auto one = family.result(first, id, 30s);
  const auto other = family.result(second, id, 30s);
  INFO(fleet.transcript());
  await_done(workers, one, id, fleet);
  CHECK(json::serialize(one) == json::serialize(other));
  CHECK(integer(one, "cost") == 2);
  std::size_t starts = 0, dones = 0;
  for (const auto& worker : workers) {
    starts += worker.process->count(on(worker, "start", id));
    dones += worker.process->count(on(worker, "done", id));
  }
  CHECK(starts == 1);
  CHECK(dones == 1);
  CHECK(first.wait_for_exit(10s) == 0);
  CHECK(second.wait_for_exit(10s) == 0);
}

TEST_CASE("Python: the same id called twice is one execution, and both callers get its result") {
  same_id_twice(Sdk::python);
}

TEST_CASE("Rust: the same id called twice is one execution, and both callers get its result") {
  same_id_twice(Sdk::rust);
}

// Calls of `client_sdk` served by two workers of `worker_sdk`, each function in its own language.
void across(Sdk client_sdk, Sdk worker_sdk, const std::string& prefix) {
  Fleet fleet = make_fleet();
  Family family(fleet);
  std::vector<Member> workers{family.worker(worker_sdk, prefix + "-worker-a"),
                              family.worker(worker_sdk, prefix + "-worker-b")};
  const std::set<std::string> names{workers[0].name, workers[1].name};
  std::vector<std::string> ids;
  std::vector<ChildProcess*> clients;
  for (int i = 1; i <= 3; ++i) {
    ids.push_back(prefix + "-" + std::to_string(i));
    clients.push_back(&family.client(client_sdk, ids.back(), i));
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const int cost = static_cast<int>(i) + 1;
    const auto value = family.result(*clients[i], ids[i], 40s);
    INFO(ids[i] << ": " << json::serialize(value) << "\n" << fleet.transcript());
    CHECK(value.at("id").as_string() == ids[i]);
    CHECK(integer(value, "cost") == cost);
    CHECK(names.contains(text_of(value.at("started_by"))));
    CHECK(names.contains(text_of(value.at("finished_by"))));
    CHECK(integer(value, "finished_at") - integer(value, "started_at") >= cost * 1000);
    await_done(workers, value, ids[i], fleet);
    std::size_t dones = 0;
    for (const auto& worker : workers) dones += worker.process->count(on(worker, "done", ids[i]));
    CHECK(dones == 1);
    CHECK(clients[i]->wait_for_exit(10s) == 0);
  }
}

TEST_CASE("Python: a Python client calls C++ workers") {
  if (!interop::python_sdk_available()) return;
  across(Sdk::python, Sdk::cpp, "py-to-cpp");
}

TEST_CASE("Python: a C++ client calls Python workers") {
  if (!interop::python_sdk_available()) return;
  across(Sdk::cpp, Sdk::python, "cpp-to-py");
}

TEST_CASE("Rust: a Rust client calls C++ workers, and a C++ client Rust workers") {
  if (!interop::rust_sdk_available()) return;
  SUBCASE("Rust -> C++") { across(Sdk::rust, Sdk::cpp, "rs-to-cpp"); }
  SUBCASE("C++ -> Rust") { across(Sdk::cpp, Sdk::rust, "cpp-to-rs"); }
}

TEST_CASE("Rust: a Rust client calls Python and TypeScript workers, and their clients Rust workers") {
  if (!interop::rust_sdk_available() || !interop::python_sdk_available() || !interop::sdk_available()) return;
  SUBCASE("Rust -> Python") { across(Sdk::rust, Sdk::python, "rs-to-py"); }
  SUBCASE("Python -> Rust") { across(Sdk::python, Sdk::rust, "py-to-rs"); }
  SUBCASE("Rust -> TypeScript") { across(Sdk::rust, Sdk::typescript, "rs-to-ts"); }
  SUBCASE("TypeScript -> Rust") { across(Sdk::typescript, Sdk::rust, "ts-to-rs"); }
}

TEST_CASE("Python: a Python client calls TypeScript workers, and a TypeScript client Python workers") {
  if (!interop::python_sdk_available() || !interop::sdk_available()) return;
  SUBCASE("Python -> TypeScript") { across(Sdk::python, Sdk::typescript, "py-to-ts"); }
  SUBCASE("TypeScript -> Python") { across(Sdk::typescript, Sdk::python, "ts-to-py"); }
}

// A call started on a worker of `starter`, alone in the group; halfway through its sleep that
// worker is SIGKILLed and a worker of `survivor` joins, replays the execution from the other
// SDK's checkpoints and ends it at the original deadline. compute_something's durable calls
// line up across the SDKs (tests/interop/python/worker.py): the start time and the sleep carry
// over in every pair whose ids are spelled alike; the claim (who started it) too where ids are
// numbered alike (C++, TypeScript and Rust from 0), while Python (from 1) holds it at another
// position, so across Python and the others the survivor claims the call anew. Where the survivor
// cannot read the starter's ids (finds_checkpoints: a Rust worker after another SDK's, or
// another SDK's but C++ after Rust's) it runs the call again from the top, sleeping its whole
// cost after the kill.
void takeover(Sdk starter, Sdk survivor) {
  if (!available(starter) || !available(survivor)) return;
  Fleet fleet = make_fleet();
  Family family(fleet);
  const std::string id = "takeover";
  constexpr int cost = 4;  // seconds
  std::vector<Member> first{family.worker(starter, "first")};
  auto& client = family.client(starter, id, cost);
  await_any(first, "start", id, fleet);
  const std::int64_t seen_start_at = epoch_ms();
  // A scenario timing, not a synchronisation: the kill lands mid-sleep.
  std::this_thread::sleep_until(std::chrono::system_clock::time_point(std::chrono::milliseconds(seen_start_at + cost * 500)));
  first[0].process->signal(SIGKILL);
  REQUIRE(first[0].process->wait_for_exit(10s) == 128 + SIGKILL);
  const std::int64_t killed_at = epoch_ms();
  std::vector<Member> second{family.worker(survivor, "second")};

  const auto value = family.result(client, id, std::chrono::seconds(cost) + 30s);
  const auto took = integer(value, "finished_at") - integer(value, "started_at");
  const bool carried_over = finds_checkpoints(survivor, starter);
  MESSAGE(name_of(starter) << " started, " << name_of(survivor) << " finished: took " << took << " ms of " << cost * 1000
                           << ", finished " << integer(value, "finished_at") - killed_at << " ms after the kill, started_by "
                           << text_of(value.at("started_by")));
  INFO(name_of(starter) << " -> " << name_of(survivor) << ": " << json::serialize(value) << "\n" << fleet.transcript());
  CHECK(value.at("id").as_string() == id);
  CHECK(integer(value, "cost") == cost);
  CHECK(text_of(value.at("finished_by")) == "second");
  CHECK(text_of(value.at("started_by")) == (carried_over && same_numbering(starter, survivor) ? "first" : "second"));
  CHECK(took >= cost * 1000);
  CHECK(took < cost * 1000 + wake_slack_ms);
  if (carried_over) {
    // The start time is the first worker's, and the survivor waited only for the rest of the sleep.
    CHECK(integer(value, "started_at") <= seen_start_at);
    CHECK(integer(value, "finished_at") - killed_at < cost * 1000);
  } else {
    // Run again from the top by the survivor: its own start time, its own whole sleep.
    CHECK(integer(value, "started_at") >= killed_at);
    CHECK(integer(value, "finished_at") - killed_at >= cost * 1000);
  }
  await_done(second, value, id, fleet);
  CHECK(second[0].process->count(on(second[0], "done", id)) == 1);
  CHECK(client.wait_for_exit(10s) == 0);
}

TEST_CASE("Python: an execution started by one SDK's worker is taken over by another SDK's after a SIGKILL") {
  SUBCASE("C++ -> Python") { takeover(Sdk::cpp, Sdk::python); }
  SUBCASE("Python -> C++") { takeover(Sdk::python, Sdk::cpp); }
  SUBCASE("TypeScript -> Python") { takeover(Sdk::typescript, Sdk::python); }
  SUBCASE("Python -> TypeScript") { takeover(Sdk::python, Sdk::typescript); }
  SUBCASE("C++ -> TypeScript") { takeover(Sdk::cpp, Sdk::typescript); }
  SUBCASE("TypeScript -> C++") { takeover(Sdk::typescript, Sdk::cpp); }
}

TEST_CASE("Rust: a C++ worker takes over a Rust worker's execution; a Rust worker runs a C++ one's again") {
  SUBCASE("Rust -> C++") { takeover(Sdk::rust, Sdk::cpp); }
  SUBCASE("C++ -> Rust") { takeover(Sdk::cpp, Sdk::rust); }
}

TEST_CASE("one group of C++, Python, Rust and TypeScript workers serves 20 calls from clients of the four SDKs") {
  if (!interop::python_sdk_available() || !interop::rust_sdk_available() || !interop::sdk_available()) return;
  Fleet fleet = make_fleet();
  Family family(fleet);
  const std::vector<Sdk> sdks{Sdk::cpp, Sdk::python, Sdk::rust, Sdk::typescript};
  std::vector<Member> workers;
  workers.push_back(family.worker(Sdk::cpp, "cpp-1"));
  workers.push_back(family.worker(Sdk::python, "py-1"));
  workers.push_back(family.worker(Sdk::rust, "rs-1"));
  workers.push_back(family.worker(Sdk::typescript, "ts-1"));
  std::map<std::string, Sdk> sdk_of;
  for (const auto& worker : workers) sdk_of[worker.name] = worker.sdk;

  // Every sleep's wake goes to any member of the group: most calls end on a worker of another
  // SDK than the one that started them, replaying its checkpoints (or, where it cannot read
  // them, running the call again: finds_checkpoints).
  std::vector<std::string> ids;
  std::vector<ChildProcess*> clients;
  for (int i = 0; i < 20; ++i) {
    ids.push_back("mix-" + std::to_string(i));
    clients.push_back(&family.client(sdks[i % sdks.size()], ids.back(), 1 + i % 2));
  }
  std::map<std::string, int> finished_by;
  int across_sdks = 0, run_again = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const int cost = 1 + static_cast<int>(i) % 2;
    const auto value = family.result(*clients[i], ids[i], 60s);
    INFO(ids[i] << ": " << json::serialize(value) << "\n" << fleet.transcript());
    CHECK(value.at("id").as_string() == ids[i]);
    CHECK(integer(value, "cost") == cost);
    REQUIRE(sdk_of.contains(text_of(value.at("started_by"))));
    REQUIRE(sdk_of.contains(text_of(value.at("finished_by"))));
    ++finished_by[text_of(value.at("finished_by"))];
    // The SDKs whose workers ran a pass of it (each pass prints start or resume); one finished it.
    await_done(workers, value, ids[i], fleet);
    std::set<Sdk> passes;
    std::size_t dones = 0;
    for (const auto& worker : workers) {
      if (worker.process->has_printed(on(worker, "start", ids[i])) ||
          worker.process->has_printed(on(worker, "resume", ids[i]))) {
        passes.insert(worker.sdk);
      }
      dones += worker.process->count(on(worker, "done", ids[i]));
    }
    if (passes.size() > 1) ++across_sdks;
    const bool apart = passes.contains(Sdk::rust) && passes.size() > 1;
    if (apart) ++run_again;
    // The finisher's start time and sleep: one timeline, so it slept its whole cost. Where all
    // passes shared checkpoints the sleep was not restarted either; with Rust among them the
    // call may have been run again, and the finisher may have resumed a timeline that began
    // before another SDK's run of it.
    const auto took = integer(value, "finished_at") - integer(value, "started_at");
    CHECK(took >= cost * 1000);
    if (!apart) CHECK(took < cost * 1000 + wake_slack_ms);
    CHECK(dones == 1);
    CHECK(clients[i]->wait_for_exit(10s) == 0);
  }
  std::ostringstream counts;
  for (const auto& [name, count] : finished_by) counts << name << " " << count << ", ";
  MESSAGE("mixed group: finished by " << counts.str() << across_sdks << " of 20 replayed across SDKs, " << run_again
                                      << " of them by Rust and another SDK");
}
