// Deadline-driven background work: Core::next_deadline() tells a driver when tick() next has
// work, and take_new_deadline() which earlier deadline a request just wrote, so that timers,
// timeouts and leases fire when due rather than at the next fixed beat.
#include <doctest/doctest.h>

#include <string>

#include <boost/json/parse.hpp>

#include "core/core.hpp"
#include "core/tick_schedule.hpp"
#include "request_body.hpp"
#include "store/factories.hpp"

namespace {

namespace json = boost::json;
using resonate::core::Core;

constexpr std::int64_t kNow = 1700000000000;

int status_of(Core& core, std::int64_t now, const std::string& kind, const std::string& data) {
  const auto body = resonate::core_test::request_body(kind, data);
  return static_cast<int>(json::parse(core.apply(now, body).body).at("head").at("status").as_int64());
}

std::string timer_data(const std::string& id, std::int64_t timeout_at) {
  return R"({"id":")" + id + R"(","timeoutAt":)" + std::to_string(timeout_at) +
         R"(,"tags":{"resonate:target":"poll://any@workers"}})";
}

}  // namespace

TEST_CASE("deadlines: a request reports the earliest deadline it wrote; the store knows the earliest of all") {
  auto store = resonate::store::make_memory_store();
  Core core(*store);
  CHECK_FALSE(core.next_deadline().has_value());
  CHECK_FALSE(core.take_new_deadline().has_value());

  // A promise with a target gets a timeout and a task with a retry timer (30 s by default).
  REQUIRE(status_of(core, kNow, "promise.create", timer_data("later", kNow + 5000)) == 200);
  CHECK(core.take_new_deadline() == kNow + 5000);
  CHECK_FALSE(core.take_new_deadline().has_value());  // taken once
  CHECK(core.next_deadline() == kNow + 5000);

  REQUIRE(status_of(core, kNow, "promise.create", timer_data("sooner", kNow + 50)) == 200);
  CHECK(core.take_new_deadline() == kNow + 50);
  CHECK(core.next_deadline() == kNow + 50);

  // A read writes no deadline.
  REQUIRE(status_of(core, kNow, "promise.get", R"({"id":"later"})") == 200);
  CHECK_FALSE(core.take_new_deadline().has_value());

  // Acquiring writes the lease's expiry.
  REQUIRE(status_of(core, kNow, "task.acquire", R"({"id":"later","version":0,"pid":"w","ttl":20})") == 200);
  CHECK(core.take_new_deadline() == kNow + 20);
  CHECK(core.next_deadline() == kNow + 20);

  // Ticking at the earliest deadline consumes it: the lease lapses (a retry timer replaces it),
  // and the next deadline is the following one.
  core.tick(kNow + 20);
  CHECK(core.next_deadline() == kNow + 50);
  core.tick(kNow + 50);
  CHECK(core.next_deadline() == kNow + 5000);
}

TEST_CASE("tick schedule: sleep until the earliest known deadline, at most the longest wait") {
  resonate::core::TickSchedule ticks(1000, kNow);
  CHECK(ticks.due(kNow));  // the first tick is at once
  CHECK(ticks.wait(kNow) == 0);
  ticks.start_tick(kNow);
  CHECK(ticks.wait(kNow) == 1000);  // nothing known yet: the longest wait
  CHECK_FALSE(ticks.lower(std::nullopt));
  CHECK(ticks.lower(kNow + 300));  // the tick reported its next deadline
  CHECK(ticks.wait(kNow + 100) == 200);
  CHECK_FALSE(ticks.lower(kNow + 500));  // later than planned: no earlier wake-up
  CHECK(ticks.lower(kNow + 50));   // a request wrote an earlier one: cut the sleep short
  CHECK_FALSE(ticks.due(kNow + 49));
  CHECK(ticks.due(kNow + 50));
  CHECK(ticks.wait(kNow + 80) == 0);  // overdue
}

TEST_CASE("an awaited promise without a target times out at its deadline and wakes its awaiter") {
  // §4.2 would leave it pending until a request touches it, so a workflow awaiting an approval
  // with a timeout would sleep past it; this server times out awaited promises actively.
  auto store = resonate::store::make_memory_store();
  Core core(*store);
  REQUIRE(status_of(core, kNow, "promise.create", timer_data("flow", kNow + 600000)) == 200);
  REQUIRE(status_of(core, kNow, "task.acquire", R"({"id":"flow","version":0,"pid":"w","ttl":60000})") == 200);
  const std::string approval = R"({"id":"flow:0","timeoutAt":)" + std::to_string(kNow + 2000) +
                               R"(,"tags":{"resonate:scope":"global"}})";
  REQUIRE(status_of(core, kNow, "promise.create", approval) == 200);
  CHECK(core.next_deadline() == kNow + 60000);  // not awaited yet: no timeout of its own
  const std::string suspend =
      R"({"id":"flow","version":1,"actions":[{"kind":"promise.register_callback","head":{},)"
      R"("data":{"awaiter":"flow","awaited":"flow:0"}}]})";
  REQUIRE(status_of(core, kNow, "task.suspend", suspend) == 200);
  CHECK(core.next_deadline() == kNow + 2000);
  core.tick(kNow + 2000);
  const auto flow = json::parse(core.apply(kNow + 2000, resonate::core_test::request_body("task.get", R"({"id":"flow"})")).body);
  CHECK(flow.at("data").at("task").at("state") == "pending");  // resumed
  const auto timed_out = json::parse(core.apply(kNow + 2000, resonate::core_test::request_body("promise.get", R"({"id":"flow:0"})")).body);
  CHECK(timed_out.at("data").at("promise").at("state") == "rejected_timedout");
  CHECK(timed_out.at("data").at("promise").at("settledAt") == kNow + 2000);
}

TEST_CASE("a durable sleep's task given back before its deadline is not offered again until then") {
  // SDKs that cannot run a timer's task release it (the Go SDK does, at once): offering it again
  // at once would make a hot loop of offers and releases until the deadline.
  auto store = resonate::store::make_memory_store();
  Core core(*store);
  const std::string sleep = R"({"id":"nap:1","timeoutAt":)" + std::to_string(kNow + 5000) +
                            R"(,"tags":{"resonate:target":"poll://any@workers","resonate:timer":"true"}})";
  REQUIRE(status_of(core, kNow, "promise.create", sleep) == 200);
  CHECK(core.take_messages().size() == 1);  // the first offer
  REQUIRE(status_of(core, kNow + 10, "task.acquire", R"({"id":"nap:1","version":0,"pid":"w","ttl":60000})") == 200);
  REQUIRE(status_of(core, kNow + 10, "task.release", R"({"id":"nap:1","version":1})") == 200);
  CHECK(core.take_messages().empty());
  CHECK(core.next_deadline() == kNow + 5000);

  // At the deadline the sleep resolves and its task is done with it: still nothing to offer.
  core.tick(kNow + 5000);
  CHECK(core.take_messages().empty());
  const auto task = json::parse(core.apply(kNow + 5000, resonate::core_test::request_body("task.get", R"({"id":"nap:1"})")).body);
  CHECK(task.at("data").at("task").at("state") == "fulfilled");

  // Any other task given back is offered again at once.
  REQUIRE(status_of(core, kNow, "promise.create", timer_data("job", kNow + 600000)) == 200);
  REQUIRE(core.take_messages().size() == 1);
  REQUIRE(status_of(core, kNow, "task.acquire", R"({"id":"job","version":0,"pid":"w","ttl":60000})") == 200);
  REQUIRE(status_of(core, kNow, "task.release", R"({"id":"job","version":1})") == 200);
  CHECK(core.take_messages().size() == 1);
}
