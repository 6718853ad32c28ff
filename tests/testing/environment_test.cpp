// The test kit: a manual clock that fires day-long sleeps, timeouts and leases in order, in
// milliseconds; checkpoints; replaying a recorded history with new code.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "resonate/testing.hpp"

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using resonate::Context;
using resonate::testing::Environment;

namespace {

constexpr std::int64_t hour = 60LL * 60 * 1000;

// The times a workflow sees: before its first sleep, after an hour, after another day.
asio::awaitable<std::vector<std::int64_t>> hour_then_day(Context& ctx) {
  std::vector<std::int64_t> seen;
  seen.push_back(co_await ctx.now());
  co_await ctx.sleep(1h);
  seen.push_back(co_await ctx.now());
  co_await ctx.sleep(24h);
  seen.push_back(co_await ctx.now());
  co_return seen;
}

// A promise record as `resonate promises list` prints it (payloads decoded).
json::object as_printed(const resonate::PromiseRecord& record) {
  static constexpr const char* states[] = {"pending", "resolved", "rejected", "rejected_canceled", "rejected_timedout"};
  json::object tags;
  for (const auto& [key, value] : record.tags) tags[key] = value;
  json::object printed{{"id", record.id},
                       {"state", states[static_cast<int>(record.state)]},
                       {"param", json::object{{"headers", json::object{}}, {"data", record.param}}},
                       {"value", json::object{{"headers", json::object{}}, {"data", record.value}}},
                       {"tags", tags},
                       {"timeoutAt", record.timeout_at},
                       {"createdAt", record.created_at}};
  if (record.settled_at) printed["settledAt"] = *record.settled_at;
  return printed;
}

}  // namespace

TEST_CASE("a day-long sleep ends when the clock is advanced a day, not before, and in milliseconds") {
  Environment env;
  env.resonate().register_function("remind", [](Context& ctx, std::string name) -> asio::awaitable<std::string> {
    co_await ctx.sleep(24h);
    co_return "reminded " + name;
  });
  const auto start = env.now();
  // A call's timeout (24 h by default) bounds its children: a day-long sleep needs more.
  auto handle = env.run(env.resonate().run<std::string>("remind-1", "remind", "Ada").timeout(48h).spawn());
  CHECK_THROWS_AS(env.run(handle.result()), resonate::testing::StillPending);
  env.advance(23h);
  CHECK_FALSE(env.run(handle.done()));
  env.advance(1h);
  CHECK(env.run(handle.result()) == "reminded Ada");
  CHECK(env.now() == start + 24 * hour);
}

TEST_CASE("one advance fires the deadlines inside it in order, each at its own time") {
  Environment env;
  env.resonate().register_function("hour_then_day", hour_then_day);
  const auto start = env.now();
  auto handle = env.run(env.resonate().run<std::vector<std::int64_t>>("times-1", "hour_then_day").timeout(72h).spawn());
  env.advance(30h);
  const auto seen = env.run(handle.result());
  REQUIRE(seen.size() == 3);
  CHECK(seen[0] == start);
  CHECK(seen[1] == start + hour);        // the first sleep fired at +1 h ...
  CHECK(seen[2] == start + 25 * hour);   // ... so the second, a day long, ended at +25 h
  CHECK(env.now() == start + 30 * hour);
}

TEST_CASE("a promise timeout fires on the manual clock: a workflow waiting for approval times out") {
  Environment env;
  env.resonate().register_function("approve", [](Context& ctx) -> asio::awaitable<std::string> {
    resonate::Options two_hours;
    two_hours.timeout = 2h;
    auto approval = co_await ctx.promise<bool>(two_hours);
    try {
      co_await approval.result();
      co_return "approved";
    } catch (const resonate::TimedOutError&) {
      co_return "timed out";
    }
  });
  auto handle = env.run(env.resonate().run<std::string>("approve-1", "approve").spawn());
  env.advance(1h);
  CHECK_FALSE(env.run(handle.done()));
  env.advance(1h);
  CHECK(env.run(handle.result()) == "timed out");
}

TEST_CASE("checkpoints lists an execution's promises with what each call was") {
  Environment env;
  env.resonate().register_function("hour_then_day", hour_then_day);
  auto handle = env.run(env.resonate().run<std::vector<std::int64_t>>("times-2", "hour_then_day").timeout(72h).spawn());
  env.advance(25h);
  env.run(handle.result());
  const auto records = env.checkpoints("times-2");
  std::vector<std::string> calls;
  for (const auto& record : records) calls.push_back(record.id + " " + record.tags.at("resonate:scope"));
  const std::vector<std::string> expected{"times-2 global", "times-2:0 local", "times-2:1 global",
                                          "times-2:2 local", "times-2:3 global", "times-2:4 local"};
  CHECK(calls == expected);
  CHECK(records[2].tags.at("resonate-cpp:call") == "sleep");
  CHECK(records[1].tags.at("resonate-cpp:call") == "run now");
}

TEST_CASE("a recorded history replays with the same code, and a changed deploy is caught before it ships") {
  // Record: the production run, dumped as the CLI prints it.
  json::array history;
  std::vector<std::int64_t> recorded;
  {
    Environment production;
    production.resonate().register_function("hour_then_day", hour_then_day);
    auto handle = production.run(production.resonate().run<std::vector<std::int64_t>>("prod-7", "hour_then_day").timeout(72h).spawn());
    production.advance(26h);
    recorded = production.run(handle.result());
    for (const auto& record : production.checkpoints("prod-7")) history.push_back(as_printed(record));
  }
  const json::value dump = json::object{{"promises", history}};

  SUBCASE("the same code computes the recorded result from the recorded checkpoints") {
    Environment candidate;
    candidate.resonate().register_function("hour_then_day", hour_then_day);
    auto handle = candidate.replay<std::vector<std::int64_t>>(dump, "prod-7");
    CHECK(candidate.run(handle.result()) == recorded);
  }
  SUBCASE("code that moved a durable call fails with NonDeterminismError") {
    Environment candidate;
    candidate.resonate().register_function("hour_then_day", [](Context& ctx) -> asio::awaitable<std::vector<std::int64_t>> {
      co_await ctx.sleep(1h);  // the sleep moved before the first reading of the clock
      auto first = co_await ctx.now();
      co_return std::vector<std::int64_t>{first};
    });
    auto handle = candidate.replay<std::vector<std::int64_t>>(dump, "prod-7");
    CHECK_THROWS_WITH_AS(candidate.run(handle.result()), doctest::Contains("at prod-7:0"),
                         resonate::NonDeterminismError);
  }
}
