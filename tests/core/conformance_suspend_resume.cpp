// Conformance scenarios 21-34 (docs/resonate-protocol.md §6, "Fence, preload, suspend/resume").
// 21-33 are one chain on the root task R; they use colon-grammar ids and the lineage rules
// of §7.2. 34 starts afresh.
#include <initializer_list>
#include <string>
#include <string_view>

#include <doctest/doctest.h>

#include "conformance_harness.hpp"

namespace resonate::conformance {
namespace {

// Request data literals, built from the doc's parts.
std::string create_action(std::string_view data) {
  return R"({"kind":"promise.create","head":{},"data":)" + std::string(data) + "}";
}

std::string settle_action(std::string_view id, std::string_view state) {
  return R"({"kind":"promise.settle","head":{},"data":{"id":")" + std::string(id) + R"(","state":")" + std::string(state) + R"("}})";
}

std::string callback_action(std::string_view awaiter, std::string_view awaited) {
  return R"({"kind":"promise.register_callback","head":{},"data":{"awaiter":")" + std::string(awaiter) + R"(","awaited":")" +
         std::string(awaited) + R"("}})";
}

std::string fence(std::string_view id, int version, std::string_view action) {
  return R"({"id":")" + std::string(id) + R"(","version":)" + std::to_string(version) + R"(,"action":)" + std::string(action) + "}";
}

std::string fulfil(std::string_view id, int version, std::string_view state) {
  return fence(id, version, settle_action(id, state));  // same shape: {id, version, action}
}

// task.suspend data: one register_callback {awaiter: id, awaited} per awaited id.
std::string suspend(std::string_view id, int version, std::initializer_list<std::string_view> awaited) {
  std::string actions;
  for (const auto awaited_id : awaited) {
    if (!actions.empty()) actions += ",";
    actions += callback_action(id, awaited_id);
  }
  return R"({"id":")" + std::string(id) + R"(","version":)" + std::to_string(version) + R"(,"actions":[)" + actions + "]}";
}

std::string acquire(std::string_view id, int version) {
  return R"({"id":")" + std::string(id) + R"(","version":)" + std::to_string(version) + R"(,"pid":"p9","ttl":60000})";
}

// A remote child of R on its own branch, with target W.
std::string remote_child(std::string_view id) {
  return create_action(R"({"id":")" + std::string(id) + R"(","timeoutAt":T+600000,"param":{},"tags":{"resonate:origin":"R",
      "resonate:parent":"R","resonate:branch":")" + std::string(id) + R"(","resonate:target":"$W"}})");
}

// --- the chain ---------------------------------------------------------------------------------

constexpr const char* r0_create = R"({"id":"R:0","timeoutAt":T+600000,"param":{},"tags":{"resonate:scope":"local",
    "resonate:origin":"R","resonate:branch":"R","resonate:parent":"R"}})";

void scenario_21_fence_creates_a_local_child(Server& server) {
  INFO("scenario 21");
  const auto root = server.call("task.create", R"({"pid":"p9","ttl":60000,"action":{"kind":"promise.create","head":{},
      "data":{"id":"R","timeoutAt":T+600000,"param":{},"tags":{"resonate:origin":"R","resonate:branch":"R",
      "resonate:parent":"R","resonate:target":"$W"}}}})", T);
  CHECK(root.status == 200);
  CHECK_MATCHES(root.data(), R"({"task":{"id":"R","state":"acquired","version":1}})");

  const auto inner = R"({"kind":"promise.create","head":{"corrId":"i1","version":"2026-04-01"},"data":)" + std::string(r0_create) + "}";
  const auto fenced = server.send(request("task.fence", json_of(fence("R", 1, inner)), T, "o1"), T);
  CHECK(fenced.status == 200);
  CHECK_MATCHES(fenced.data(), R"({"action":{"kind":"promise.create","head":{"corrId":"o1","status":200,"version":"2026-04-01"},
                                              "data":{"promise":{"id":"R:0","state":"pending"}}},
                                   "preload":[{"id":"R:0"}]})");
  CHECK_MATCHES(server.snap(T), R"({"tasks":[{"id":"R"}],"messages":[]})");
}

void scenario_22_fenced_settle(Server& server) {
  INFO("scenario 22");
  const auto settled = server.call("task.fence", fence("R", 1, R"({"kind":"promise.settle","head":{},
      "data":{"id":"R:0","state":"resolved","value":{"data":"Mg=="}}})"), T + 1);
  CHECK(settled.status == 200);
  CHECK_MATCHES(settled.data(), R"({"action":{"kind":"promise.settle","head":{"status":200},
                                               "data":{"promise":{"id":"R:0","state":"resolved","value":{"data":"Mg=="}}}}})");

  const auto missing = server.call("task.fence", fence("R", 1, settle_action("R:9", "resolved")), T + 1);
  CHECK(missing.status == 200);
  CHECK_MATCHES(missing.data(), R"({"action":{"head":{"status":404},"data":"Promise not found"}})");

  CHECK(server.call("task.fence", fence("R", 1, settle_action("R", "resolved")), T + 1).status == 400);
  CHECK(server.call("task.fence", fence("R", 1, R"({"kind":"promise.get","head":{},"data":{"id":"R:0"}})"), T + 1).status == 400);
  const auto stale = server.call("task.fence", fence("R", 0, settle_action("R:0", "resolved")), T + 1);
  CHECK(stale.status == 409);
  CHECK(stale.message() == "Version mismatch");
  CHECK(server.call("task.fence", fence("nope", 1, settle_action("R:0", "resolved")), T + 1).status == 404);
}

void scenario_23_fence_creates_a_remote_child(Server& server) {
  INFO("scenario 23");
  const auto fenced = server.call("task.fence", fence("R", 1, remote_child("R:1")), T + 2);
  CHECK(fenced.status == 200);
  CHECK_MATCHES(fenced.data(), R"({"action":{"head":{"status":200},"data":{"promise":{"id":"R:1","state":"pending"}}}})");
  CHECK(ids_of(fenced.data().at("preload")) == std::vector<std::string>{"R:0"});

  const auto snap = server.snap(T + 2);
  CHECK_MATCHES(with_id(snap.at("tasks"), "R:1"), R"({"state":"pending","version":0})");
  CHECK_MATCHES(snap, R"({"messages":[{"address":"$W","message":{"kind":"execute","data":{"task":{"id":"R:1","version":0}}}}]})");
}

void scenario_24_acquire_preloads_the_branch(Server& server) {
  INFO("scenario 24");
  CHECK(server.call("task.release", R"({"id":"R","version":1})", T + 3).status == 200);
  const auto acquired = server.call("task.acquire", acquire("R", 1), T + 3);
  CHECK(acquired.status == 200);
  CHECK_MATCHES(acquired.data(), R"({"task":{"state":"acquired","version":2}})");
  CHECK(ids_of(acquired.data().at("preload")) == std::vector<std::string>{"R:0"});
}

void scenario_25_suspend(Server& server) {
  INFO("scenario 25");
  const auto suspended = server.call("task.suspend", suspend("R", 2, {"R:1"}), T + 4);
  CHECK(suspended.status == 200);
  CHECK_MATCHES(suspended.data(), "{}");

  const auto snap = server.snap(T + 4);
  const auto task = with_id(snap.at("tasks"), "R");
  CHECK_MATCHES(task, R"({"state":"suspended","version":2})");
  CHECK_FALSE(has(task, "ttl"));
  CHECK_FALSE(has(task, "pid"));
  CHECK(with_id(snap.at("taskTimeouts"), "R").is_null());
  CHECK_MATCHES(snap, R"({"callbacks":[{"awaiter":"R","awaited":"R:1"}]})");
}

void scenario_26_settling_the_awaited_resumes(Server& server) {
  INFO("scenario 26");
  CHECK(server.call("task.acquire", acquire("R:1", 0), T + 5).status == 200);
  server.deliver();
  const auto fulfilled = server.call("task.fulfill", fence("R:1", 1, R"({"kind":"promise.settle","head":{},
      "data":{"id":"R:1","state":"resolved","value":{"data":"Ng=="}}})"), T + 5);
  CHECK(fulfilled.status == 200);

  const auto snap = server.snap(T + 5);
  CHECK_MATCHES(with_id(snap.at("tasks"), "R"), R"({"state":"pending","version":2,"resumes":1})");
  CHECK_MATCHES(snap, R"({"callbacks":[],
      "messages":[{"address":"$W","message":{"kind":"execute","head":{},"data":{"task":{"id":"R","version":2}}}}]})");

  const auto acquired = server.call("task.acquire", acquire("R", 2), T + 6);
  CHECK(acquired.status == 200);
  CHECK_MATCHES(acquired.data(), R"({"task":{"state":"acquired","version":3,"resumes":0}})");
}

void scenario_27_suspend_on_a_settled_promise_is_300(Server& server) {
  INFO("scenario 27");
  const auto before = server.snap(T + 7);
  const auto answer = server.call("task.suspend", suspend("R", 3, {"R:1"}), T + 7);
  CHECK(answer.status == 300);
  CHECK(ids_of(answer.data().at("preload")) == std::vector<std::string>{"R:0"});

  const auto after = server.snap(T + 7);
  CHECK_MATCHES(with_id(after.at("tasks"), "R"), R"({"state":"acquired","version":3})");
  CHECK(with_id(after.at("taskTimeouts"), "R") == with_id(before.at("taskTimeouts"), "R"));
  CHECK_MATCHES(with_id(after.at("taskTimeouts"), "R"), R"({"type":1,"timeout":T+60006})");
  CHECK_MATCHES(after, R"({"callbacks":[]})");

  CHECK(server.call("task.fence", fence("R", 3, create_action(r0_create)), T + 7).status == 200);
}

void scenario_28_suspend_errors_change_nothing(Server& server) {
  INFO("scenario 28");
  const auto before = server.snap(T + 8);

  const auto missing = server.call("task.suspend", suspend("R", 3, {"R:7"}), T + 8);
  CHECK(missing.status == 422);
  CHECK(missing.message() == "Awaited promise not found");
  const auto other_awaiter = R"({"id":"R","version":3,"actions":[)" + callback_action("X", "R:1") + "]}";
  CHECK(server.call("task.suspend", other_awaiter, T + 8).status == 400);
  CHECK(server.call("task.suspend", suspend("R", 3, {"R"}), T + 8).status == 400);
  CHECK(server.call("task.suspend", R"({"id":"R","version":3,"actions":[]})", T + 8).status == 400);
  CHECK(server.call("task.suspend", suspend("R", 2, {"R:1"}), T + 8).status == 409);
  CHECK(server.call("task.suspend", suspend("nope", 3, {"nope:1"}), T + 8).status == 404);

  const auto after = server.snap(T + 8);
  CHECK(with_id(after.at("tasks"), "R") == with_id(before.at("tasks"), "R"));
  CHECK(after.at("taskTimeouts") == before.at("taskTimeouts"));
  CHECK(after.at("callbacks") == before.at("callbacks"));
}

constexpr const char* r2_sleep = R"({"id":"R:2","timeoutAt":T+5000,"param":{"headers":{},"data":"IiI="},
    "tags":{"resonate:scope":"global","resonate:timer":"true","resonate:target":"poll://any@default",
    "resonate:branch":"R:2","resonate:parent":"R","resonate:origin":"R"}})";

void scenario_29_durable_sleep(Server& server) {
  INFO("scenario 29");
  server.deliver();
  const auto slept = server.call("task.fence", fence("R", 3, create_action(r2_sleep)), T + 100);
  CHECK(slept.status == 200);
  CHECK_MATCHES(slept.data(), R"({"action":{"data":{"promise":{"id":"R:2","state":"pending"}}}})");
  auto snap = server.snap(T + 100);
  CHECK_MATCHES(snap, R"({"messages":[{"address":"poll://any@default",
                                       "message":{"kind":"execute","data":{"task":{"id":"R:2","version":0}}}}]})");
  CHECK_MATCHES(with_id(snap.at("promiseTimeouts"), "R:2"), R"({"timeout":T+5000})");

  CHECK(server.call("task.suspend", suspend("R", 3, {"R:2"}), T + 100).status == 200);
  server.deliver();

  server.tick(T + 4999);
  snap = server.snap(T + 4999);
  CHECK_MATCHES(with_id(snap.at("promises"), "R:2"), R"({"state":"pending"})");
  CHECK_MATCHES(with_id(snap.at("tasks"), "R"), R"({"state":"suspended","version":3})");
  CHECK_MATCHES(snap, R"({"messages":[]})");

  server.tick(T + 5000);
  snap = server.snap(T + 5000);
  CHECK_MATCHES(with_id(snap.at("promises"), "R:2"), R"({"state":"resolved","settledAt":T+5000,"value":{}})");
  CHECK_MATCHES(with_id(snap.at("tasks"), "R:2"), R"({"state":"fulfilled"})");
  CHECK_MATCHES(with_id(snap.at("tasks"), "R"), R"({"state":"pending","version":3})");
  CHECK_MATCHES(snap, R"({"messages":[{"address":"$W","message":{"kind":"execute","data":{"task":{"id":"R","version":3}}}}]})");

  const auto replay = server.call("task.acquire", acquire("R", 3), T + 5100);
  CHECK(replay.status == 200);
  CHECK_MATCHES(replay.data(), R"({"task":{"version":4}})");
  std::string later_sleep = r2_sleep;
  later_sleep.replace(later_sleep.find("T+5000"), 6, "T+6600");
  const auto recreated = server.call("task.fence", fence("R", 4, create_action(later_sleep)), T + 5100);
  CHECK(recreated.status == 200);
  CHECK_MATCHES(recreated.data(), R"({"action":{"data":{"promise":{"id":"R:2","state":"resolved","timeoutAt":T+5000}}}})");
}

void scenario_30_sleep_already_due(Server& server) {
  INFO("scenario 30");
  server.deliver();
  const auto slept = server.call("task.fence", fence("R", 4, create_action(R"({"id":"R:5","timeoutAt":T+5200,"param":{},
      "tags":{"resonate:scope":"global","resonate:timer":"true","resonate:target":"$W","resonate:branch":"R:5",
      "resonate:parent":"R","resonate:origin":"R"}})")), T + 5200);
  CHECK(slept.status == 200);
  CHECK_MATCHES(slept.data(), R"({"action":{"data":{"promise":{"id":"R:5","state":"resolved",
                                                                "timeoutAt":T+5200,"createdAt":T+5200,"settledAt":T+5200}}}})");
  const auto snap = server.snap(T + 5200);
  CHECK_MATCHES(with_id(snap.at("tasks"), "R:5"), R"({"state":"fulfilled","version":0})");
  CHECK_MATCHES(snap, R"({"messages":[]})");
}

void scenario_31_multi_await(Server& server) {
  INFO("scenario 31");
  CHECK(server.call("task.fence", fence("R", 4, remote_child("R:3")), T + 5300).status == 200);
  CHECK(server.call("task.fence", fence("R", 4, remote_child("R:4")), T + 5300).status == 200);
  CHECK(server.call("task.suspend", suspend("R", 4, {"R:3", "R:4"}), T + 5301).status == 200);
  server.deliver();

  CHECK(server.call("promise.settle", R"({"id":"R:3","state":"resolved"})", T + 5302).status == 200);
  auto snap = server.snap(T + 5302);
  CHECK_MATCHES(with_id(snap.at("tasks"), "R"), R"({"state":"pending","version":4})");
  CHECK_MATCHES(snap, R"({"messages":[{"address":"$W","message":{"kind":"execute","data":{"task":{"id":"R","version":4}}}}]})");
  server.deliver();

  CHECK(server.call("promise.settle", R"({"id":"R:4","state":"resolved"})", T + 5303).status == 200);
  snap = server.snap(T + 5303);
  CHECK_MATCHES(with_id(snap.at("tasks"), "R"), R"({"state":"pending","version":4,"resumes":2})");
  CHECK_MATCHES(snap, R"({"messages":[]})");

  const auto acquired = server.call("task.acquire", acquire("R", 4), T + 5304);
  CHECK(acquired.status == 200);
  CHECK_MATCHES(acquired.data(), R"({"task":{"version":5,"resumes":0}})");
  CHECK(server.call("task.suspend", suspend("R", 5, {"R:4"}), T + 5305).status == 300);
}

void scenario_32_late_callback(Server& server) {
  INFO("scenario 32");
  CHECK(server.call("task.fence", fence("R", 5, remote_child("R:6")), T + 5400).status == 200);
  CHECK(server.call("task.suspend", suspend("R", 5, {"R:6"}), T + 5400).status == 200);
  server.deliver();

  const auto late = server.call("promise.register_callback", R"({"awaited":"R:4","awaiter":"R"})", T + 5401);
  CHECK(late.status == 200);
  CHECK_MATCHES(late.data(), R"({"promise":{"id":"R:4","state":"resolved"}})");
  // resumes after an immediate resume differs between reference models (§3.4): not checked.
  const auto snap = server.snap(T + 5401);
  CHECK_MATCHES(with_id(snap.at("tasks"), "R"), R"({"state":"pending","version":5})");
  CHECK_MATCHES(snap, R"({"messages":[{"address":"$W","message":{"kind":"execute","data":{"task":{"id":"R","version":5}}}}]})");

  const auto no_awaited = server.call("promise.register_callback", R"({"awaited":"R:8","awaiter":"R"})", T + 5402);
  CHECK(no_awaited.status == 404);
  CHECK(no_awaited.message() == "Awaited promise not found");
  const auto no_awaiter = server.call("promise.register_callback", R"({"awaited":"R:4","awaiter":"R:8"})", T + 5402);
  CHECK(no_awaiter.status == 422);
  CHECK(no_awaiter.message() == "Awaiter promise not found");
  const auto no_target = server.call("promise.register_callback", R"({"awaited":"R:4","awaiter":"R:0"})", T + 5402);
  CHECK(no_target.status == 422);
  CHECK(no_target.message() == "Awaiter promise has no resonate:target tag");
  CHECK(server.call("promise.register_callback", R"({"awaited":"R","awaiter":"R"})", T + 5402).status == 400);
}

void scenario_33_external_settle_ends_the_task(Server& server) {
  INFO("scenario 33");
  const auto acquired = server.call("task.acquire", acquire("R", 5), T + 5500);
  CHECK(acquired.status == 200);
  CHECK_MATCHES(acquired.data(), R"({"task":{"version":6}})");
  CHECK_MATCHES(server.snap(T + 5500), R"({"callbacks":[{"awaiter":"R","awaited":"R:6"}]})");

  CHECK(server.call("promise.settle", R"({"id":"R","state":"rejected_canceled"})", T + 5501).status == 200);
  const auto snap = server.snap(T + 5501);
  CHECK_MATCHES(with_id(snap.at("tasks"), "R"), R"({"state":"fulfilled","version":6})");
  CHECK_MATCHES(snap, R"({"callbacks":[]})");

  CHECK(server.call("task.fence", fence("R", 6, create_action(r0_create)), T + 5502).status == 409);
  CHECK(server.call("task.fulfill", fulfil("R", 6, "resolved"), T + 5502).status == 409);
}

TEST_CASE("§6.21-33 fence, preload, suspend and resume of one root task") {
  on_every_store([](Server& server) {
    scenario_21_fence_creates_a_local_child(server);
    scenario_22_fenced_settle(server);
    scenario_23_fence_creates_a_remote_child(server);
    scenario_24_acquire_preloads_the_branch(server);
    scenario_25_suspend(server);
    scenario_26_settling_the_awaited_resumes(server);
    scenario_27_suspend_on_a_settled_promise_is_300(server);
    scenario_28_suspend_errors_change_nothing(server);
    scenario_29_durable_sleep(server);
    scenario_30_sleep_already_due(server);
    scenario_31_multi_await(server);
    scenario_32_late_callback(server);
    scenario_33_external_settle_ends_the_task(server);
  });
}

TEST_CASE("§6.34 the root promise times out while a worker holds its task") {
  on_every_store([](Server& server) {
    const auto created = server.call("task.create", R"({"pid":"p9","ttl":60000,"action":{"kind":"promise.create","head":{},
        "data":{"id":"Q","timeoutAt":T+1000,"tags":{"resonate:target":"$W"}}}})", T);
    CHECK(created.status == 200);
    CHECK_MATCHES(created.data(), R"({"task":{"version":1}})");

    server.tick(T + 1000);
    const auto snap = server.snap(T + 1000);
    CHECK_MATCHES(with_id(snap.at("promises"), "Q"), R"({"state":"rejected_timedout","settledAt":T+1000})");
    CHECK_MATCHES(with_id(snap.at("tasks"), "Q"), R"({"state":"fulfilled"})");
    CHECK_MATCHES(snap, R"({"taskTimeouts":[]})");

    CHECK(server.call("task.fulfill", fulfil("Q", 1, "resolved"), T + 1001).status == 409);
    const auto beat = server.call("task.heartbeat", R"({"pid":"p9","tasks":[{"id":"Q","version":1}]})", T + 1001);
    CHECK(beat.status == 200);
    CHECK_MATCHES(server.snap(T + 1001), R"({"taskTimeouts":[]})");
    const auto read = server.call("task.get", R"({"id":"Q"})", T + 1001);
    CHECK(read.status == 200);
    CHECK_MATCHES(read.data(), R"({"task":{"state":"fulfilled"}})");
  });
}

}  // namespace
}  // namespace resonate::conformance
