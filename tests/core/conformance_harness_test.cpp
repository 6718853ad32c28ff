// The harness's own notation and matching, so a scenario can only pass for the right reason.
#include <doctest/doctest.h>

#include "conformance_harness.hpp"

namespace resonate::conformance {
namespace {

TEST_CASE("harness: T and the addresses expand in the doc's notation") {
  CHECK(json_of("[T, T+5, T-10]") == json::array{1700000000000, 1700000000005, 1699999999990});
  CHECK(json_of(R"(["$W", "$U", "T+1", "true"])") == json::array{"poll://any@workers", "poll://uni@workers/p9", "T+1", "true"});
  CHECK(json_of(R"({"a":true})") == json::object{{"a", true}});
}

TEST_CASE("harness: objects match as subsets, {} and arrays exactly") {
  CHECK(mismatch(json_of(R"({"a":1,"b":{"c":2,"d":3}})"), json_of(R"({"b":{"c":2}})")).empty());
  CHECK_FALSE(mismatch(json_of(R"({"a":1})"), json_of(R"({"a":2})")).empty());
  CHECK_FALSE(mismatch(json_of(R"({"a":1})"), json_of(R"({"b":1})")).empty());
  CHECK_FALSE(mismatch(json_of(R"({"value":{"data":"x"}})"), json_of(R"({"value":{}})")).empty());
  CHECK_FALSE(mismatch(json_of("[1,2]"), json_of("[1]")).empty());
  CHECK_FALSE(mismatch(json_of(R"([{"id":"a"}])"), json_of(R"([{"id":"b"}])")).empty());
  CHECK_FALSE(mismatch(json_of("1"), json_of(R"({"a":1})")).empty());
  CHECK(mismatch(json_of(R"([{"id":"a","x":1}])"), json_of(R"([{"id":"a"}])")).empty());
}

}  // namespace
}  // namespace resonate::conformance
