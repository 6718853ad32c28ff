// Conformance scenarios 1-2 (docs/resonate-protocol.md §6, "Envelope").
#include <boost/json/parse.hpp>
#include <doctest/doctest.h>

#include "conformance_harness.hpp"

namespace resonate::conformance {
namespace {

TEST_CASE("§6.1 envelope: malformed requests are answered 400 with a string message") {
  on_every_store([](Server& server) {
    SUBCASE("unsupported version") {
      const auto answer = server.send(json_of(R"({"kind":"promise.get","head":{"corrId":"c1","version":"2025-01-01"},"data":{"id":"x"}})"), T);
      CHECK(answer.status == 400);
      CHECK_MATCHES(answer.envelope, R"({"kind":"promise.get","head":{"corrId":"c1","status":400}})");
      CHECK(answer.data().is_string());
    }
    SUBCASE("unknown kind") {
      const auto answer = server.call("foo.bar", "{}", T);
      CHECK(answer.status == 400);
      CHECK(answer.message() == "Unknown operation: foo.bar");
    }
    SUBCASE("body that is not JSON") {
      const auto reply = server.send_body("not json", T);
      CHECK(reply.status == 400);
      const auto answer = boost::json::parse(reply.body);
      CHECK_MATCHES(answer, R"({"kind":"unknown","head":{"corrId":"0","status":400,"version":"2026-04-01"}})");
      CHECK(answer.at("data").is_string());
    }
    SUBCASE("data that is not an object") {
      const auto answer = server.send(json_of(R"({"kind":"promise.get","head":{"corrId":"c2","version":"2026-04-01"},"data":[]})"), T);
      CHECK(answer.status == 400);
    }
    SUBCASE("missing head.version") {
      const auto answer = server.send(json_of(R"({"kind":"promise.get","head":{"corrId":"c3"},"data":{"id":"x"}})"), T);
      CHECK(answer.status == 400);
      CHECK_MATCHES(answer.envelope, R"({"kind":"promise.get","head":{"corrId":"c3"}})");
    }
  });
}

// The Content-Type header of scenario 2 belongs to the HTTP layer, not to the core.
TEST_CASE("§6.2 envelope: a missing promise is 404 \"Promise not found\"") {
  on_every_store([](Server& server) {
    const auto answer = server.call("promise.get", R"({"id":"nope"})", T);
    CHECK(answer.status == 404);
    CHECK(answer.message() == "Promise not found");
  });
}

}  // namespace
}  // namespace resonate::conformance
