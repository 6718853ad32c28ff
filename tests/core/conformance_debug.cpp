// Conformance scenario 39 (docs/resonate-protocol.md §6, "Debug and auth").
// Scenario 40 (authentication) needs JWTs and the HTTP layer; it is not part of this suite.
#include <doctest/doctest.h>

#include "conformance_harness.hpp"

namespace resonate::conformance {
namespace {

TEST_CASE("§6.39 debug operations are refused when debug mode is off") {
  Server server(store::make_memory_store(), /*debug=*/false);
  const auto answer = server.call("debug.snap", "{}", T);
  CHECK(answer.status == 403);
  CHECK(answer.message() == "Debug operations are disabled");
}

TEST_CASE("§6.39 debug.tick needs a time equal to the debug time of the request") {
  on_every_store([](Server& server) {
    const auto skewed = server.send(request("debug.tick", json_of(R"({"time":T})"), T + 1, "c1"), T + 1);
    CHECK(skewed.status == 400);
    CHECK(server.call("debug.tick", "{}", T).status == 400);
    server.tick(T);  // 200 []
  });
}

}  // namespace
}  // namespace resonate::conformance
