// Conformance scenarios 3-9 (docs/resonate-protocol.md §6, "Promises").
#include <doctest/doctest.h>

#include "conformance_harness.hpp"

namespace resonate::conformance {
namespace {

// Scenario 3, the start of scenario 4.
json::value create_p1(Server& server) {
  const auto created =
      server.call("promise.create", R"({"id":"p1","timeoutAt":T+60000,"param":{"data":"AA=="},"tags":{"a":"1"}})", T);
  CHECK(created.status == 200);
  return created.data().at("promise");
}

TEST_CASE("§6.3 promise.create without target: a pending promise, no task, timer or message") {
  on_every_store([](Server& server) {
    const auto promise = create_p1(server);
    CHECK_MATCHES(promise, R"({"id":"p1","state":"pending","param":{"data":"AA=="},"value":{},"tags":{"a":"1"},
                               "timeoutAt":T+60000,"createdAt":T})");
    CHECK(promise.at("param") == json_of(R"({"data":"AA=="})"));  // absent headers stay absent
    CHECK_FALSE(has(promise, "settledAt"));

    const auto snap = server.snap(T);
    CHECK_MATCHES(snap, R"({"tasks":[],"promiseTimeouts":[],"taskTimeouts":[],"messages":[]})");
  });
}

TEST_CASE("§6.4 promise.create of an existing id returns the stored record unchanged") {
  on_every_store([](Server& server) {
    const auto original = create_p1(server);
    const auto again = server.call("promise.create", R"({"id":"p1","timeoutAt":T+99,"param":{"data":"Zm9v"},"tags":{}})", T + 5);
    CHECK(again.status == 200);
    CHECK(again.data().at("promise") == original);
  });
}

TEST_CASE("§6.5 promise.create already expired: settled at once, createdAt = settledAt = timeoutAt") {
  on_every_store([](Server& server) {
    const auto expired = server.call("promise.create", R"({"id":"p2","timeoutAt":T-10})", T);
    CHECK(expired.status == 200);
    CHECK_MATCHES(expired.data(), R"({"promise":{"id":"p2","state":"rejected_timedout","createdAt":T-10,"settledAt":T-10,
                                                  "param":{},"value":{},"tags":{}}})");

    const auto timer = server.call("promise.create", R"({"id":"p3","timeoutAt":T-10,"tags":{"resonate:timer":"true"}})", T);
    CHECK(timer.status == 200);
    CHECK_MATCHES(timer.data(), R"({"promise":{"id":"p3","state":"resolved","createdAt":T-10,"settledAt":T-10,"value":{}}})");

    CHECK(server.call("promise.create", R"({"id":"p7","timeoutAt":-1})", T).status == 400);
  });
}

TEST_CASE("§6.6 promise.settle: first writer wins; unknown id 404; rejected_timedout 400") {
  on_every_store([](Server& server) {
    CHECK(server.call("promise.create", R"({"id":"p1","timeoutAt":T+60000})", T).status == 200);

    const auto settled = server.call("promise.settle", R"({"id":"p1","state":"resolved","value":{"data":"eA=="}})", T + 10);
    CHECK(settled.status == 200);
    CHECK_MATCHES(settled.data(), R"({"promise":{"state":"resolved","settledAt":T+10}})");
    CHECK(settled.data().at("promise").at("value") == json_of(R"({"data":"eA=="})"));

    const auto late = server.call("promise.settle", R"({"id":"p1","state":"rejected"})", T + 20);
    CHECK(late.status == 200);
    CHECK(late.data().at("promise") == settled.data().at("promise"));

    const auto unknown = server.call("promise.settle", R"({"id":"zz","state":"resolved"})", T + 20);
    CHECK(unknown.status == 404);
    CHECK(unknown.message() == "Promise not found");

    CHECK(server.call("promise.settle", R"({"id":"p1","state":"rejected_timedout"})", T + 20).status == 400);
  });
}

TEST_CASE("§6.7 a promise without target times out lazily, when a request names it") {
  on_every_store([](Server& server) {
    CHECK(server.call("promise.create", R"({"id":"p4","timeoutAt":T+1000})", T).status == 200);
    server.tick(T + 2000);

    const auto snap = server.snap(T + 2000);
    CHECK_MATCHES(with_id(snap.at("promises"), "p4"), R"({"state":"pending"})");
    CHECK_MATCHES(snap, R"({"promiseTimeouts":[]})");

    const auto read = server.call("promise.get", R"({"id":"p4"})", T + 2000);
    CHECK(read.status == 200);
    CHECK_MATCHES(read.data(), R"({"promise":{"state":"rejected_timedout","settledAt":T+1000,"value":{}}})");
  });
}

TEST_CASE("§6.8 listeners: set semantics, one unblock at settlement, nothing once settled") {
  on_every_store([](Server& server) {
    CHECK(server.call("promise.create", R"({"id":"p5","timeoutAt":T+60000})", T).status == 200);
    for (int attempt = 0; attempt < 2; ++attempt) {
      const auto listened = server.call("promise.register_listener", R"({"awaited":"p5","address":"$U"})", T);
      CHECK(listened.status == 200);
      CHECK_MATCHES(listened.data(), R"({"promise":{"id":"p5","state":"pending"}})");
    }
    CHECK_MATCHES(server.snap(T), R"({"listeners":[{"id":"p5","address":"$U"}]})");

    CHECK(server.call("promise.settle", R"({"id":"p5","state":"rejected","value":{"data":"ZQ=="}})", T + 1).status == 200);
    auto snap = server.snap(T + 1);
    CHECK_MATCHES(snap, R"({"listeners":[],
                            "messages":[{"address":"$U","message":{"kind":"unblock","head":{},"data":{"promise":
                                {"id":"p5","state":"rejected","value":{"data":"ZQ=="},"settledAt":T+1}}}}]})");

    const auto late = server.call("promise.register_listener", R"({"awaited":"p5","address":"$U"})", T + 2);
    CHECK(late.status == 200);
    CHECK_MATCHES(late.data(), R"({"promise":{"state":"rejected"}})");
    snap = server.snap(T + 2);
    CHECK(snap.at("messages").as_array().size() == 1);
    CHECK_MATCHES(snap, R"({"listeners":[]})");
  });
}

TEST_CASE("§6.9 invalid target and listener addresses are 400") {
  on_every_store([](Server& server) {
    const auto local = server.call("promise.create", R"({"id":"p6","timeoutAt":T+1,"tags":{"resonate:target":"local://any@g"}})", T);
    CHECK(local.status == 400);
    CHECK(local.message() == "Invalid resonate:target address");

    CHECK(server.call("promise.create", R"({"id":"p6","timeoutAt":T+1,"tags":{"resonate:target":"poll://default"}})", T).status == 400);

    // p5 does not exist here (the scenario starts from reset): validation comes before the lookup.
    const auto listener = server.call("promise.register_listener", R"({"awaited":"p5","address":"nope"})", T);
    CHECK(listener.status == 400);
    CHECK(listener.message() == "Invalid listener address");

    CHECK_MATCHES(server.snap(T), R"({"tasks":[],"listeners":[],"messages":[]})");
  });
}

}  // namespace
}  // namespace resonate::conformance
