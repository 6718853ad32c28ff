// Conformance scenarios 36-37 (docs/resonate-protocol.md §6, "Schedules").
// T = 22:13:20 UTC, so "* * * * *" next fires at 22:14:00 = T+40000.
#include <doctest/doctest.h>

#include "conformance_harness.hpp"

namespace resonate::conformance {
namespace {

void scenario_36_a_schedule_fires_a_promise(Server& server) {
  INFO("scenario 36");
  const auto created = server.call("schedule.create", R"({"id":"s1","cron":"* * * * *","promiseId":"{{.id}}-{{.timestamp}}",
      "promiseTimeout":60000,"promiseParam":{"data":"e30="},"promiseTags":{"resonate:target":"$W"}})", T);
  CHECK(created.status == 200);
  CHECK_MATCHES(created.data(), R"({"schedule":{"id":"s1","createdAt":T,"nextRunAt":1700000040000}})");
  CHECK_FALSE(has(created.data().at("schedule"), "lastRunAt"));

  const auto again = server.call("schedule.create", R"({"id":"s1","cron":"0 * * * *","promiseId":"{{.id}}-{{.timestamp}}",
      "promiseTimeout":60000,"promiseParam":{"data":"e30="},"promiseTags":{"resonate:target":"$W"}})", T + 1);
  CHECK(again.status == 200);
  CHECK(again.data() == created.data());

  server.tick(1700000040000);
  const auto snap = server.snap(1700000040000);
  const auto promise = with_id(snap.at("promises"), "s1-1700000040000");
  CHECK_MATCHES(promise, R"({"state":"pending","createdAt":1700000040000,"timeoutAt":1700000100000})");
  CHECK(promise.at("param") == json_of(R"({"data":"e30="})"));
  CHECK(promise.at("tags") == json_of(R"({"resonate:target":"$W","resonate:schedule":"s1",
      "resonate:origin":"s1-1700000040000","resonate:branch":"s1-1700000040000",
      "resonate:parent":"s1-1700000040000","resonate:prefix":"s1-1700000040000"})"));
  CHECK_MATCHES(with_id(snap.at("tasks"), "s1-1700000040000"), R"({"state":"pending","version":0})");
  CHECK_MATCHES(snap, R"({"messages":[{"address":"$W","message":{"kind":"execute",
      "data":{"task":{"id":"s1-1700000040000","version":0}}}}]})");

  const auto read = server.call("schedule.get", R"({"id":"s1"})", 1700000040000);
  CHECK(read.status == 200);
  CHECK_MATCHES(read.data(), R"({"schedule":{"id":"s1","cron":"* * * * *","lastRunAt":1700000040000,"nextRunAt":1700000100000}})");
}

void scenario_37_invalid_schedules_and_delete(Server& server) {
  INFO("scenario 37");
  for (const auto* invalid : {
           R"({"id":"a.b","cron":"* * * * *","promiseId":"x","promiseTimeout":1,"promiseTags":{"resonate:target":"$W"}})",
           R"({"id":"s2","cron":"not cron","promiseId":"x","promiseTimeout":1,"promiseTags":{"resonate:target":"$W"}})",
           R"({"id":"s2","cron":"* * * * *","promiseId":"x","promiseTimeout":1,"promiseTags":{}})"}) {
    CAPTURE(invalid);
    CHECK(server.call("schedule.create", invalid, 1700000040001).status == 400);
  }

  const auto deleted = server.call("schedule.delete", R"({"id":"s1"})", 1700000040001);
  CHECK(deleted.status == 200);
  CHECK_MATCHES(deleted.data(), "{}");
  CHECK(server.call("schedule.delete", R"({"id":"s1"})", 1700000040001).status == 404);
  const auto read = server.call("schedule.get", R"({"id":"s1"})", 1700000040001);
  CHECK(read.status == 404);
  CHECK(read.message() == "Schedule not found");
  const auto fired = server.call("promise.get", R"({"id":"s1-1700000040000"})", 1700000040001);
  CHECK(fired.status == 200);
}

TEST_CASE("§6.36-37 schedules: create, fire, get, validation, delete") {
  on_every_store([](Server& server) {
    scenario_36_a_schedule_fires_a_promise(server);
    scenario_37_invalid_schedules_and_delete(server);
  });
}

}  // namespace
}  // namespace resonate::conformance
