// Conformance scenario 35 (docs/resonate-protocol.md §6, "Halt / continue").
#include <doctest/doctest.h>

#include "conformance_harness.hpp"

namespace resonate::conformance {
namespace {

TEST_CASE("§6.35 task.halt and task.continue") {
  on_every_store([](Server& server) {
    CHECK(server.call("promise.create", R"({"id":"t5","timeoutAt":T+600000,"tags":{"resonate:target":"$W"}})", T).status == 200);
    CHECK(server.call("task.acquire", R"({"id":"t5","version":0,"pid":"p9","ttl":60000})", T).status == 200);

    const auto halted = server.call("task.halt", R"({"id":"t5"})", T + 1);
    CHECK(halted.status == 200);
    CHECK_MATCHES(halted.data(), "{}");
    auto snap = server.snap(T + 1);
    const auto task = with_id(snap.at("tasks"), "t5");
    CHECK_MATCHES(task, R"({"state":"halted","version":1})");
    CHECK_FALSE(has(task, "ttl"));
    CHECK_FALSE(has(task, "pid"));
    CHECK_MATCHES(snap, R"({"taskTimeouts":[]})");

    CHECK(server.call("task.acquire", R"({"id":"t5","version":1,"pid":"p9","ttl":60000})", T + 2).status == 409);
    CHECK(server.call("task.halt", R"({"id":"t5"})", T + 2).status == 200);
    CHECK_MATCHES(with_id(server.snap(T + 2).at("tasks"), "t5"), R"({"state":"halted","version":1})");

    server.deliver();
    const auto continued = server.call("task.continue", R"({"id":"t5"})", T + 10);
    CHECK(continued.status == 200);
    CHECK_MATCHES(continued.data(), "{}");
    snap = server.snap(T + 10);
    CHECK_MATCHES(with_id(snap.at("tasks"), "t5"), R"({"state":"pending","version":1})");
    CHECK_MATCHES(snap, R"({"taskTimeouts":[{"id":"t5","type":0,"timeout":T+30010}],
        "messages":[{"address":"$W","message":{"kind":"execute","data":{"task":{"id":"t5","version":1}}}}]})");

    const auto again = server.call("task.continue", R"({"id":"t5"})", T + 11);
    CHECK(again.status == 409);
    CHECK(again.message() == "Task is not halted");

    CHECK(server.call("task.acquire", R"({"id":"t5","version":1,"pid":"p9","ttl":60000})", T + 12).status == 200);
    CHECK(server.call("task.fulfill", R"({"id":"t5","version":2,"action":{"kind":"promise.settle","head":{},
                                          "data":{"id":"t5","state":"resolved"}}})", T + 12).status == 200);
    const auto fulfilled = server.call("task.halt", R"({"id":"t5"})", T + 13);
    CHECK(fulfilled.status == 409);
    CHECK(fulfilled.message() == "Task is fulfilled");

    CHECK(server.call("task.halt", R"({"id":"unknown"})", T + 13).status == 404);
    CHECK(server.call("task.continue", R"({"id":"unknown"})", T + 13).status == 404);
  });
}

}  // namespace
}  // namespace resonate::conformance
