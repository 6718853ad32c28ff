// Conformance scenarios 10-20 (docs/resonate-protocol.md §6, "Tasks").
#include <doctest/doctest.h>

#include "conformance_harness.hpp"

namespace resonate::conformance {
namespace {

// --- 10 → 13: one task from creation to fulfilment ------------------------------------------

void scenario_10_a_target_creates_a_pending_task(Server& server) {
  INFO("scenario 10");
  const auto created = server.call("promise.create", R"({"id":"t1","timeoutAt":T+600000,"tags":{"resonate:target":"$W"}})", T);
  CHECK(created.status == 200);
  CHECK_MATCHES(created.data(), R"({"promise":{"id":"t1","state":"pending"}})");

  const auto snap = server.snap(T);
  CHECK_MATCHES(snap, R"({"tasks":[{"id":"t1","state":"pending","version":0,"resumes":0}],
                          "promiseTimeouts":[{"id":"t1","timeout":T+600000}],
                          "taskTimeouts":[{"id":"t1","type":0,"timeout":T+30000}],
                          "messages":[{"address":"$W","message":{"kind":"execute","head":{},"data":{"task":{"id":"t1","version":0}}}}]})");
  CHECK_FALSE(has(with_id(snap.at("tasks"), "t1"), "ttl"));
  CHECK_FALSE(has(with_id(snap.at("tasks"), "t1"), "pid"));
}

void scenario_11_acquire(Server& server) {
  INFO("scenario 11");
  const auto acquired = server.call("task.acquire", R"({"id":"t1","version":0,"pid":"p9","ttl":10000})", T + 1);
  CHECK(acquired.status == 200);
  CHECK_MATCHES(acquired.data(), R"({"task":{"id":"t1","state":"acquired","version":1,"resumes":0,"ttl":10000,"pid":"p9"},
                                     "promise":{"id":"t1","state":"pending"},"preload":[]})");
  CHECK_MATCHES(server.snap(T + 1), R"({"taskTimeouts":[{"id":"t1","type":1,"timeout":T+10001}]})");

  const auto again = server.call("task.acquire", R"({"id":"t1","version":0,"pid":"p9","ttl":10000})", T + 1);
  CHECK(again.status == 409);
  CHECK(again.message() == "Task is not pending");
  CHECK(server.call("task.acquire", R"({"id":"nope","version":0,"pid":"p9","ttl":1})", T + 1).status == 404);
  CHECK(server.call("task.acquire", R"({"id":"t1","version":1,"pid":"p9","ttl":0})", T + 1).status == 400);
}

void scenario_12_release(Server& server) {
  INFO("scenario 12");
  const auto released = server.call("task.release", R"({"id":"t1","version":1})", T + 2);
  CHECK(released.status == 200);
  CHECK_MATCHES(released.data(), "{}");

  const auto snap = server.snap(T + 2);
  const auto task = with_id(snap.at("tasks"), "t1");
  CHECK_MATCHES(task, R"({"state":"pending","version":1})");
  CHECK_FALSE(has(task, "ttl"));
  CHECK_FALSE(has(task, "pid"));
  CHECK_MATCHES(snap, R"({"taskTimeouts":[{"id":"t1","type":0,"timeout":T+30002}],
                          "messages":[{"address":"$W","message":{"kind":"execute","data":{"task":{"id":"t1","version":1}}}}]})");

  CHECK(server.call("task.release", R"({"id":"t1","version":1})", T + 2).status == 409);
  const auto stale = server.call("task.acquire", R"({"id":"t1","version":0,"pid":"p9","ttl":10000})", T + 2);
  CHECK(stale.status == 409);
  CHECK(stale.message() == "Version mismatch");
  const auto reacquired = server.call("task.acquire", R"({"id":"t1","version":1,"pid":"p9","ttl":10000})", T + 2);
  CHECK(reacquired.status == 200);
  CHECK_MATCHES(reacquired.data(), R"({"task":{"state":"acquired","version":2}})");
}

void scenario_13_fulfil(Server& server) {
  INFO("scenario 13");
  CHECK(server.call("promise.register_listener", R"({"awaited":"t1","address":"$U"})", T + 3).status == 200);
  server.deliver();  // so the outbox shows only what the fulfilment enqueues

  const auto fulfil = R"({"id":"t1","version":2,"action":{"kind":"promise.settle","head":{},
                          "data":{"id":"t1","state":"resolved","value":{"data":"MQ=="}}}})";
  const auto fulfilled = server.call("task.fulfill", fulfil, T + 3);
  CHECK(fulfilled.status == 200);
  CHECK_MATCHES(fulfilled.data(), R"({"promise":{"state":"resolved","value":{"data":"MQ=="}}})");

  const auto read = server.call("task.get", R"({"id":"t1"})", T + 3);
  CHECK(read.status == 200);
  CHECK_MATCHES(read.data(), R"({"task":{"state":"fulfilled","version":2,"resumes":0}})");
  CHECK_FALSE(has(read.data().at("task"), "ttl"));
  CHECK_FALSE(has(read.data().at("task"), "pid"));

  CHECK_MATCHES(server.snap(T + 3), R"({"taskTimeouts":[],
      "messages":[{"address":"$U","message":{"kind":"unblock","head":{},"data":{"promise":{"id":"t1","state":"resolved"}}}}]})");

  CHECK(server.call("task.fulfill", fulfil, T + 3).status == 409);
  const auto other = R"({"id":"t1","version":2,"action":{"kind":"promise.settle","head":{},"data":{"id":"other","state":"resolved"}}})";
  CHECK(server.call("task.fulfill", other, T + 3).status == 400);
}

// Durations at the integer boundary (issue 15's probe: a ttl of 2^63-1 wrapped to a lease in
// the past, and every promise a schedule fired with promiseTimeout 2^63-1 timed out at once).
void durations_at_the_boundary_saturate(Server& server) {
  const auto created = server.call("promise.create", R"({"id":"b1","timeoutAt":T+600000,"tags":{"resonate:target":"$W"}})", T);
  REQUIRE(created.status == 200);
  const auto acquired = server.call("task.acquire", R"({"id":"b1","version":0,"pid":"p1","ttl":9223372036854775807})", T);
  REQUIRE(acquired.status == 200);
  CHECK_MATCHES(server.snap(T), R"({"taskTimeouts":[{"id":"b1","type":1,"timeout":9223372036854775807}]})");
  server.tick(T + 2000);
  CHECK_MATCHES(with_id(server.snap(T + 2000).at("tasks"), "b1"), R"({"state":"acquired","version":1})");

  const auto schedule = server.call("schedule.create", R"({"id":"sb","cron":"* * * * *","promiseId":"{{.id}}-{{.timestamp}}",
      "promiseTimeout":9223372036854775807,"promiseParam":{"data":"e30="},"promiseTags":{"resonate:target":"$W"}})", T);
  REQUIRE_MESSAGE(schedule.status == 200, schedule.message());
  server.tick(1700000040000);
  CHECK_MATCHES(with_id(server.snap(1700000040000).at("promises"), "sb-1700000040000"),
                R"({"state":"pending","createdAt":1700000040000,"timeoutAt":9223372036854775807})");
}

TEST_CASE("durations at the integer boundary saturate instead of wrapping around") {
  on_every_store(durations_at_the_boundary_saturate);
}

TEST_CASE("§6.10-13 task lifecycle: create, acquire, release, fulfil") {
  on_every_store([](Server& server) {
    scenario_10_a_target_creates_a_pending_task(server);
    scenario_11_acquire(server);
    scenario_12_release(server);
    scenario_13_fulfil(server);
  });
}

// --- 14-16: leases, heartbeats, redelivery ---------------------------------------------------

TEST_CASE("§6.14 worker death: the lease expires, another worker acquires, the stale one gets 409") {
  on_every_store([](Server& server) {
    CHECK(server.call("promise.create", R"({"id":"t2","timeoutAt":T+600000,"tags":{"resonate:target":"$W"}})", T).status == 200);
    CHECK(server.call("task.acquire", R"({"id":"t2","version":0,"pid":"A","ttl":10000})", T).status == 200);

    server.tick(T + 9999);
    CHECK_MATCHES(with_id(server.snap(T + 9999).at("tasks"), "t2"), R"({"state":"acquired","version":1})");

    server.tick(T + 10000);
    const auto snap = server.snap(T + 10000);
    const auto task = with_id(snap.at("tasks"), "t2");
    CHECK_MATCHES(task, R"({"state":"pending","version":1})");
    CHECK_FALSE(has(task, "ttl"));
    CHECK_FALSE(has(task, "pid"));
    // The newer execute replaced the one of the creation: one execute per task (§1.6).
    CHECK_MATCHES(snap, R"({"taskTimeouts":[{"id":"t2","type":0,"timeout":T+40000}],
        "messages":[{"address":"$W","message":{"kind":"execute","data":{"task":{"id":"t2","version":1}}}}]})");

    const auto taken_over = server.call("task.acquire", R"({"id":"t2","version":1,"pid":"B","ttl":10000})", T + 10001);
    CHECK(taken_over.status == 200);
    CHECK_MATCHES(taken_over.data(), R"({"task":{"version":2,"pid":"B"}})");

    const auto fence = server.call("task.fence", R"({"id":"t2","version":1,"action":{"kind":"promise.create","head":{},
                                                     "data":{"id":"t2:0","timeoutAt":T+600000}}})", T + 10002);
    CHECK(fence.status == 409);
    CHECK(fence.message() == "Version mismatch");
    CHECK(server.call("task.fulfill", R"({"id":"t2","version":1,"action":{"kind":"promise.settle","head":{},
                                          "data":{"id":"t2","state":"resolved"}}})", T + 10002).status == 409);
    CHECK(server.call("task.suspend", R"({"id":"t2","version":1,"actions":[{"kind":"promise.register_callback","head":{},
                                          "data":{"awaiter":"t2","awaited":"t2:0"}}]})", T + 10002).status == 409);
    CHECK(server.call("task.release", R"({"id":"t2","version":1})", T + 10002).status == 409);

    CHECK_MATCHES(with_id(server.snap(T + 10002).at("tasks"), "t2"), R"({"state":"acquired","version":2,"pid":"B"})");
  });
}

TEST_CASE("§6.15 heartbeat extends the lease of matching tasks only") {
  on_every_store([](Server& server) {
    CHECK(server.call("promise.create", R"({"id":"t3","timeoutAt":T+600000,"tags":{"resonate:target":"$W"}})", T).status == 200);
    CHECK(server.call("task.acquire", R"({"id":"t3","version":0,"pid":"A","ttl":10000})", T).status == 200);

    const auto beat = server.call("task.heartbeat", R"({"pid":"A","tasks":[{"id":"t3","version":1}]})", T + 8000);
    CHECK(beat.status == 200);
    CHECK_MATCHES(beat.data(), "{}");
    CHECK_MATCHES(server.snap(T + 8000), R"({"taskTimeouts":[{"id":"t3","type":1,"timeout":T+18000}]})");

    for (const auto* unmatched : {R"({"pid":"B","tasks":[{"id":"t3","version":1}]})",
                                  R"({"pid":"A","tasks":[{"id":"t3","version":0}]})",
                                  R"({"pid":"A","tasks":[{"id":"unknown","version":1}]})"}) {
      CAPTURE(unmatched);
      const auto ignored = server.call("task.heartbeat", unmatched, T + 9000);
      CHECK(ignored.status == 200);
      CHECK_MATCHES(ignored.data(), "{}");
      CHECK_MATCHES(server.snap(T + 9000), R"({"taskTimeouts":[{"id":"t3","type":1,"timeout":T+18000}]})");
    }
    CHECK(server.call("task.heartbeat", R"({"pid":"A","tasks":[]})", T + 9000).status == 400);

    server.tick(T + 10000);
    CHECK_MATCHES(with_id(server.snap(T + 10000).at("tasks"), "t3"), R"({"state":"acquired","version":1})");

    server.deliver();
    server.tick(T + 18000);
    const auto snap = server.snap(T + 18000);
    CHECK_MATCHES(with_id(snap.at("tasks"), "t3"), R"({"state":"pending","version":1})");
    CHECK_MATCHES(snap, R"({"messages":[{"address":"$W","message":{"kind":"execute","data":{"task":{"id":"t3","version":1}}}}]})");
  });
}

TEST_CASE("§6.16 an unacquired task gets its execute again every 30 s") {
  on_every_store([](Server& server) {
    CHECK(server.call("promise.create", R"({"id":"t4","timeoutAt":T+600000,"tags":{"resonate:target":"$W"}})", T).status == 200);
    server.deliver();  // the first execute went out (and was lost)

    server.tick(T + 29999);
    CHECK_MATCHES(server.snap(T + 29999), R"({"messages":[],"taskTimeouts":[{"id":"t4","type":0,"timeout":T+30000}]})");

    server.tick(T + 30000);
    CHECK_MATCHES(server.snap(T + 30000), R"({"taskTimeouts":[{"id":"t4","type":0,"timeout":T+60000}],
        "messages":[{"address":"$W","message":{"kind":"execute","head":{},"data":{"task":{"id":"t4","version":0}}}}]})");
  });
}

// --- 17-19: task.create ----------------------------------------------------------------------

// The task.create request of scenarios 17 and 18, for id r1.
constexpr const char* create_r1 = R"({"pid":"p9","ttl":60000,"action":{"kind":"promise.create","head":{},
    "data":{"id":"r1","timeoutAt":T+600000,"param":{},"tags":{"resonate:target":"$W"}}}})";

void scenario_17_task_create(Server& server) {
  INFO("scenario 17");
  const auto created = server.call("task.create", create_r1, T);
  CHECK(created.status == 200);
  CHECK_MATCHES(created.data(), R"({"task":{"id":"r1","state":"acquired","version":1,"resumes":0,"ttl":60000,"pid":"p9"},
                                    "promise":{"id":"r1","state":"pending","createdAt":T},"preload":[]})");
  CHECK_MATCHES(server.snap(T), R"({"messages":[],"taskTimeouts":[{"id":"r1","type":1,"timeout":T+60000}],
                                    "promiseTimeouts":[{"id":"r1","timeout":T+600000}]})");

  const auto again = server.call("task.create", create_r1, T + 1);
  CHECK(again.status == 409);
  CHECK(again.message() == "Already exists");
}

void scenario_18_task_create_on_existing_promises(Server& server) {
  INFO("scenario 18");
  CHECK(server.call("task.release", R"({"id":"r1","version":1})", T + 2).status == 200);
  const auto reacquired = server.call("task.create", create_r1, T + 3);
  CHECK(reacquired.status == 200);
  CHECK_MATCHES(reacquired.data(), R"({"task":{"id":"r1","state":"acquired","version":2}})");

  CHECK(server.call("task.fulfill", R"({"id":"r1","version":2,"action":{"kind":"promise.settle","head":{},
                                        "data":{"id":"r1","state":"resolved"}}})", T + 4).status == 200);
  const auto done = server.call("task.create", create_r1, T + 5);
  CHECK(done.status == 200);
  CHECK_MATCHES(done.data(), R"({"task":{"id":"r1","state":"fulfilled","version":2},"promise":{"state":"resolved"},"preload":[]})");
  CHECK_FALSE(has(done.data().at("task"), "ttl"));
  CHECK_FALSE(has(done.data().at("task"), "pid"));

  CHECK(server.call("promise.create", R"({"id":"x1","timeoutAt":T+600000})", T + 6).status == 200);
  const auto without_task = server.call("task.create", R"({"pid":"p9","ttl":60000,"action":{"kind":"promise.create","head":{},
      "data":{"id":"x1","timeoutAt":T+600000,"tags":{"resonate:target":"$W"}}}})", T + 6);
  CHECK(without_task.status == 422);
  CHECK(without_task.message() == "The promise does not have a resonate:target tag");

  CHECK(server.call("task.create", R"({"pid":"p9","ttl":60000,"action":{"kind":"promise.create","head":{},
      "data":{"id":"r4","timeoutAt":T+600000,"tags":{}}}})", T + 6).status == 400);
  CHECK(server.call("task.create", R"({"pid":"p9","ttl":60000,"action":{"kind":"promise.create","head":{},
      "data":{"id":"r4","timeoutAt":T+600000,"tags":{"resonate:target":"$W","resonate:delay":"1700000001000"}}}})", T + 6).status == 400);

  const auto expired = server.call("task.create", R"({"pid":"p9","ttl":60000,"action":{"kind":"promise.create","head":{},
      "data":{"id":"r2","timeoutAt":T-1,"tags":{"resonate:target":"$W"}}}})", T + 7);
  CHECK(expired.status == 200);
  CHECK_MATCHES(expired.data(), R"({"task":{"id":"r2","state":"fulfilled","version":0},"promise":{"id":"r2","state":"rejected_timedout"}})");
  CHECK_FALSE(has(expired.data().at("task"), "ttl"));
  CHECK_FALSE(has(expired.data().at("task"), "pid"));
}

TEST_CASE("§6.17-18 task.create: create-and-acquire, re-create, fulfilled, no target, expired") {
  on_every_store([](Server& server) {
    scenario_17_task_create(server);
    scenario_18_task_create_on_existing_promises(server);
  });
}

TEST_CASE("§6.19 task.create of a suspended or halted task is 409 \"Already exists\"") {
  on_every_store([](Server& server) {
    const auto create_r3 = R"({"pid":"p9","ttl":60000,"action":{"kind":"promise.create","head":{},
        "data":{"id":"r3","timeoutAt":T+600000,"tags":{"resonate:target":"$W"}}}})";
    CHECK(server.call("task.create", create_r3, T).status == 200);
    const auto child = server.call("task.fence", R"({"id":"r3","version":1,"action":{"kind":"promise.create","head":{},
        "data":{"id":"r3.0","timeoutAt":T+600000,"tags":{"resonate:target":"$W"}}}})", T + 1);
    CHECK(child.status == 200);
    CHECK_MATCHES(child.data(), R"({"action":{"head":{"status":200},"data":{"promise":{"id":"r3.0","state":"pending"}}}})");
    const auto suspended = server.call("task.suspend", R"({"id":"r3","version":1,"actions":[{"kind":"promise.register_callback",
        "head":{},"data":{"awaiter":"r3","awaited":"r3.0"}}]})", T + 2);
    CHECK(suspended.status == 200);

    const auto while_suspended = server.call("task.create", create_r3, T + 3);
    CHECK(while_suspended.status == 409);
    CHECK(while_suspended.message() == "Already exists");

    CHECK(server.call("task.halt", R"({"id":"r3"})", T + 4).status == 200);
    const auto while_halted = server.call("task.create", create_r3, T + 5);
    CHECK(while_halted.status == 409);
    CHECK(while_halted.message() == "Already exists");
  });
}

// --- 20: delay (oracle semantics, §4.6; §8 lists the SQL server's different behaviour) -------

TEST_CASE("§6.20 resonate:delay defers the first execute to the delay") {
  on_every_store([](Server& server) {
    const auto created = server.call("promise.create", R"({"id":"d1","timeoutAt":T+600000,
        "tags":{"resonate:target":"$W","resonate:delay":"1700000005000"}})", T);
    CHECK(created.status == 200);
    auto snap = server.snap(T);
    CHECK_MATCHES(with_id(snap.at("tasks"), "d1"), R"({"state":"pending","version":0})");
    CHECK_MATCHES(snap, R"({"taskTimeouts":[{"id":"d1","type":0,"timeout":T+5000}],"messages":[]})");

    server.tick(T + 5000);
    snap = server.snap(T + 5000);
    CHECK_MATCHES(snap, R"({"taskTimeouts":[{"id":"d1","type":0,"timeout":T+35000}],
        "messages":[{"address":"$W","message":{"kind":"execute","data":{"task":{"id":"d1","version":0}}}}]})");

    for (const auto* invalid : {
             R"({"id":"d2","timeoutAt":T+600000,"tags":{"resonate:target":"$W","resonate:delay":"abc"}})",
             R"({"id":"d2","timeoutAt":T+600000,"tags":{"resonate:target":"$W","resonate:delay":"-1"}})",
             R"({"id":"d2","timeoutAt":T+600000,"tags":{"resonate:target":"$W","resonate:delay":"1700000600000"}})",
             R"({"id":"d2","timeoutAt":T+600000,"tags":{"resonate:target":"$W","resonate:delay":"1700000700000"}})",
             R"({"id":"d2","timeoutAt":T+600000,"tags":{"resonate:delay":"1700000005000"}})"}) {
      CAPTURE(invalid);
      CHECK(server.call("promise.create", invalid, T + 5000).status == 400);
    }
  });
}

}  // namespace
}  // namespace resonate::conformance
