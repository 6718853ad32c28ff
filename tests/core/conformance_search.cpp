// Conformance scenario 38 (docs/resonate-protocol.md §6, "Search").
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "conformance_harness.hpp"

namespace resonate::conformance {
namespace {

using Ids = std::vector<std::string>;

TEST_CASE("§6.38 promise.search, task.search and schedule.search") {
  on_every_store([](Server& server) {
    for (const auto* id : {"q1", "q2", "q3"}) {
      CHECK(server.call("promise.create", R"({"id":")" + std::string(id) + R"(","timeoutAt":T+600000,"tags":{"k":"v"}})", T).status == 200);
    }
    CHECK(server.call("promise.create", R"({"id":"q4","timeoutAt":T+600000,"tags":{"k":"w"}})", T).status == 200);

    SUBCASE("promises by tag, paged by cursor") {
      const auto first = server.call("promise.search", R"({"tags":{"k":"v"},"limit":2})", T);
      CHECK(first.status == 200);
      CHECK(ids_of(first.data().at("promises")) == Ids{"q1", "q2"});
      CHECK_MATCHES(first.data(), R"({"cursor":"q2"})");

      const auto second = server.call("promise.search", R"({"tags":{"k":"v"},"limit":2,"cursor":"q2"})", T);
      CHECK(second.status == 200);
      CHECK(ids_of(second.data().at("promises")) == Ids{"q3"});
      CHECK_FALSE(has(second.data(), "cursor"));

      const auto exact = server.call("promise.search", R"({"tags":{"k":"w"},"limit":1})", T);
      CHECK(ids_of(exact.data().at("promises")) == Ids{"q4"});
      CHECK_FALSE(has(exact.data(), "cursor"));  // present only when more results exist
    }
    SUBCASE("promises by state, and the limit bounds") {
      const auto resolved = server.call("promise.search", R"({"state":"resolved"})", T);
      CHECK(resolved.status == 200);
      CHECK_MATCHES(resolved.data(), R"({"promises":[]})");
      CHECK(server.call("promise.search", R"({"limit":0})", T).status == 400);
      CHECK(server.call("promise.search", R"({"limit":1001})", T).status == 400);
    }
    SUBCASE("tasks by state, ordered by id") {
      for (const auto* id : {"tc", "ta", "tb"}) {
        const auto data = R"({"id":")" + std::string(id) + R"(","timeoutAt":T+600000,"tags":{"resonate:target":"$W"}})";
        CHECK(server.call("promise.create", data, T).status == 200);
      }
      CHECK(server.call("task.acquire", R"({"id":"tb","version":0,"pid":"p9","ttl":60000})", T).status == 200);
      const auto pending = server.call("task.search", R"({"state":"pending"})", T);
      CHECK(pending.status == 200);
      CHECK(ids_of(pending.data().at("tasks")) == Ids{"ta", "tc"});
      CHECK_MATCHES(pending.data(), R"({"tasks":[{"state":"pending"},{"state":"pending"}]})");
    }
    SUBCASE("schedules, 10 per page by default") {
      Ids all;
      for (int n = 0; n <= 10; ++n) {
        const auto id = std::string(n < 10 ? "s0" : "s") + std::to_string(n);
        all.push_back(id);
        CHECK(server.call("schedule.create", R"({"id":")" + id + R"(","cron":"0 * * * *","promiseId":"{{.id}}",
            "promiseTimeout":60000,"promiseTags":{"resonate:target":"$W"}})", T).status == 200);
      }
      const auto first = server.call("schedule.search", "{}", T);
      CHECK(first.status == 200);
      CHECK(ids_of(first.data().at("schedules")) == Ids(all.begin(), all.begin() + 10));
      CHECK_MATCHES(first.data(), R"({"cursor":"s09"})");
      const auto second = server.call("schedule.search", R"({"cursor":"s09"})", T);
      CHECK(ids_of(second.data().at("schedules")) == Ids{"s10"});
      CHECK_FALSE(has(second.data(), "cursor"));
    }
  });
}

}  // namespace
}  // namespace resonate::conformance
