// Randomized invariant testing of the protocol core (docs/fuzzing.md): seeded request
// sequences from RequestGenerator, with invariants.hpp checked after every step, and the
// memory and SQLite stores compared step by step on the same sequences.
//
// Reproduce a failure with the seed it prints:
//   RESONATE_FUZZ_SEED=<seed> RESONATE_FUZZ_SEQUENCES=1 ./core_invariants_test
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <doctest/doctest.h>

#include "core/core.hpp"
#include "invariants.hpp"
#include "request_generator.hpp"
#include "store/factories.hpp"

namespace resonate::fuzz {
namespace {

std::uint64_t environment_number(const char* name, std::uint64_t fallback) {
  const char* text = std::getenv(name);
  return text != nullptr && *text != '\0' ? std::strtoull(text, nullptr, 10) : fallback;
}

// The first sequence's seed; sequence i uses first_seed() + i.
std::uint64_t first_seed() { return environment_number("RESONATE_FUZZ_SEED", 20261122); }
std::uint64_t sequence_count(std::uint64_t fallback) { return environment_number("RESONATE_FUZZ_SEQUENCES", fallback); }

// One core in debug mode, driven with envelopes.
class Session {
 public:
  explicit Session(std::unique_ptr<core::Store> store) : store_(std::move(store)), core_(*store_, {.debug = true}) {}

  json::object call(Millis at, const json::object& request) { return core_.apply(at, json::value(request)); }
  json::object snap(Millis at) {
    auto response = call(at, json::object{{"kind", "debug.snap"},
                                          {"head", json::object{{"corrId", "snap"}, {"version", "2026-04-01"}}},
                                          {"data", json::object{}}});
    return response.at("data").as_object();
  }
  std::string deliver() {
    std::string delivered;
    for (const auto& message : core_.take_messages(1000)) delivered += message.address + " " + message.body + "\n";
    return delivered;
  }

 private:
  std::unique_ptr<core::Store> store_;
  core::Core core_;
};

// A temporary directory for SQLite databases, removed afterwards.
class TempDirectory {
 public:
  TempDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "resonate-fuzz-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDirectory() { std::filesystem::remove_all(path_); }
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// The requests of a sequence so far, for the failure message.
class History {
 public:
  void add(const Step& step, const json::object& request, const json::object& response) {
    text_ << "  at T+" << step.at - start_time << ": " << json::serialize(request) << "\n    -> "
          << json::serialize(response) << "\n";
  }
  std::string text() const { return text_.str(); }

 private:
  std::ostringstream text_;
};

// Fails the test case with everything needed to reproduce, when `violation` is not empty.
void require_none(const std::string& violation, std::uint64_t seed, int step, const History& history) {
  if (violation.empty()) return;
  FAIL("seed " << seed << ", step " << step << ": " << violation << "\nrequests:\n" << history.text());
}

// §4.4: of two acquires of one task at one version, at most one succeeds, and exactly one
// when the task was pending at that version and its promise not yet due.
std::string contested_acquire_violation(const Step& step, const json::object& before, const json::object& first,
                                        const json::object& second) {
  const auto ok = [](const json::object& response) { return response.at("head").at("status") == json::value(200); };
  const int successes = int{ok(first)} + int{ok(second)};
  if (successes > 1) return "two workers acquired the same task version";
  const auto& data = step.requests.front().at("data").as_object();
  const auto& id = data.at("id");
  bool acquirable = false;
  for (const auto& task : before.at("tasks").as_array()) {
    if (task.at("id") != id) continue;
    acquirable = task.at("state") == json::value("pending") && task.at("version") == data.at("version");
  }
  for (const auto& promise : before.at("promises").as_array()) {
    if (promise.at("id") == id && promise.at("timeoutAt").as_int64() <= step.at) acquirable = false;
  }
  if (acquirable && successes != 1) return "no worker could acquire a pending task at its version";
  return {};
}

// How often each "kind status" answer occurred, to check that the sequences reach deep states.
using Coverage = std::map<std::string, int>;

void run_sequence(std::uint64_t seed, int steps, Coverage& coverage) {
  RandomChoices choices(seed);
  RequestGenerator generator(choices);
  Session session(store::make_memory_store());
  History history;
  auto before = session.snap(start_time);
  for (int index = 0; index < steps; ++index) {
    const auto step = generator.next(before);
    std::vector<json::object> responses;
    for (const auto& request : step.requests) {
      responses.push_back(session.call(step.at, request));
      history.add(step, request, responses.back());
      require_none(envelope_violation(request, responses.back()), seed, index, history);
      coverage[std::string(request.at("kind").as_string()) + " " +
               json::serialize(responses.back().at("head").at("status"))]++;
    }
    if (step.contested_acquire) {
      require_none(contested_acquire_violation(step, before, responses[0], responses[1]), seed, index, history);
    }
    if (step.deliver) session.deliver();
    auto after = session.snap(step.at);
    require_none(state_violation(before, after), seed, index, history);
    before = std::move(after);
  }
}

// The checks themselves must catch what they are meant to catch.
TEST_CASE("the invariant checks detect violations") {
  const auto snapshot = [](std::string_view promise, std::string_view task, std::string_view timeouts) {
    return json::object{{"promises", json::parse(promise)}, {"tasks", json::parse(task)}, {"taskTimeouts", json::parse(timeouts)}};
  };
  const auto settled = R"([{"id":"a","state":"resolved","value":{"data":"x"},"settledAt":5,"param":{},"tags":{"resonate:target":"t"},"timeoutAt":9,"createdAt":1}])";
  const auto fulfilled = R"([{"id":"a","state":"fulfilled","version":1,"resumes":0}])";
  const auto good = snapshot(settled, fulfilled, "[]");
  CHECK(state_violation(good, good) == "");
  const auto resettled = snapshot(R"([{"id":"a","state":"rejected","value":{"data":"x"},"settledAt":5,"param":{},"tags":{"resonate:target":"t"},"timeoutAt":9,"createdAt":1}])", fulfilled, "[]");
  CHECK(state_violation(good, resettled) != "");
  const auto older = snapshot(settled, R"([{"id":"a","state":"fulfilled","version":0,"resumes":0}])", "[]");
  CHECK(state_violation(good, older) != "");
  const auto leased = snapshot(settled, R"([{"id":"a","state":"fulfilled","version":1,"resumes":0,"pid":"w"}])", "[]");
  CHECK(state_violation(good, leased) != "");
  const auto timed = snapshot(settled, fulfilled, R"([{"id":"a","type":1,"timeout":3}])");
  CHECK(state_violation(good, timed) != "");

  const auto request = json::parse(R"({"kind":"promise.get","head":{"corrId":"c1","version":"2026-04-01"},"data":{"id":"a"}})");
  const auto response = [](std::string_view text) { return json::parse(text).as_object(); };
  CHECK(envelope_violation(request, response(R"({"kind":"promise.get","head":{"corrId":"c1","status":404,"version":"2026-04-01"},"data":"Promise not found"})")) == "");
  CHECK(envelope_violation(request, response(R"({"kind":"promise.get","head":{"corrId":"c2","status":404,"version":"2026-04-01"},"data":"Promise not found"})")) != "");
  CHECK(envelope_violation(request, response(R"({"kind":"promise.get","head":{"corrId":"c1","status":500,"version":"2026-04-01"},"data":"Internal error"})")) != "");
  CHECK(envelope_violation(request, response(R"({"kind":"promise.get","head":{"corrId":"c1","status":404,"version":"2026-04-01"},"data":{}})")) != "");
}

TEST_CASE("random request sequences keep the core's invariants (memory store)") {
  const auto seed = first_seed();
  const auto count = sequence_count(1500);
  Coverage coverage;
  for (std::uint64_t i = 0; i < count; ++i) run_sequence(seed + i, 40, coverage);
  if (count < 1000) return;  // a reproduction run of a few sequences need not reach everything
  for (const char* answer : {"task.create 200", "task.create 409", "task.acquire 200", "task.acquire 409",
                             "task.release 200", "task.fulfill 200", "task.fulfill 409", "task.suspend 200",
                             "task.suspend 300", "task.suspend 422", "task.fence 200", "task.halt 200",
                             "task.continue 200", "promise.settle 200", "promise.register_callback 200",
                             "promise.register_callback 422", "promise.get 404", "promise.frobnicate 400"}) {
    INFO("answer: " << std::string(answer));
    CHECK(coverage[answer] > 10);
  }
}

TEST_CASE("the memory and SQLite stores answer random sequences identically") {
  TempDirectory directory;
  const auto seed = first_seed() + 1000000;
  const auto count = sequence_count(40);
  for (std::uint64_t i = 0; i < count; ++i) {
    RandomChoices choices(seed + i);
    RequestGenerator generator(choices);
    Session memory(store::make_memory_store());
    Session sqlite(store::make_sqlite_store(directory.file("sequence-" + std::to_string(i) + ".db")));
    History history;
    auto before = memory.snap(start_time);
    for (int index = 0; index < 30; ++index) {
      const auto step = generator.next(before);
      for (const auto& request : step.requests) {
        const auto expected = memory.call(step.at, request);
        const auto actual = sqlite.call(step.at, request);
        history.add(step, request, expected);
        if (expected != actual) {
          require_none("the SQLite store answered " + json::serialize(actual), seed + i, index, history);
        }
      }
      if (step.deliver && memory.deliver() != sqlite.deliver()) {
        require_none("the stores delivered different messages", seed + i, index, history);
      }
      auto after = memory.snap(step.at);
      const auto memory_state = json::serialize(canonical(after));
      const auto sqlite_state = json::serialize(canonical(sqlite.snap(step.at)));
      if (memory_state != sqlite_state) {
        require_none("snapshots differ:\n  memory " + memory_state + "\n  sqlite " + sqlite_state, seed + i, index, history);
      }
      before = std::move(after);
    }
  }
}

}  // namespace
}  // namespace resonate::fuzz
