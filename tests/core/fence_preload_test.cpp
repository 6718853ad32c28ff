// CoreOptions::fence_preload: the server answers task.fence with the branch's preload (§4.9);
// embedded mode turns it off, because its only client caches its own writes and the preload
// would make every step of a function cost O(steps so far).
#include <doctest/doctest.h>

#include <string>

#include <boost/json/parse.hpp>

#include "core/core.hpp"
#include "request_body.hpp"
#include "store/factories.hpp"

namespace {

namespace json = boost::json;
using resonate::core::Core;
using resonate::core::CoreOptions;

constexpr std::int64_t kNow = 1700000000000;

json::object call(Core& core, const std::string& kind, const std::string& data) {
  const auto body = resonate::core_test::request_body(kind, data);
  auto reply = core.apply(kNow, body);
  return json::parse(reply.body).as_object();
}

// Creates-and-acquires root `fp`, then fences two children into its branch; returns the
// preload of the second fence answer.
json::array preload_of_second_fence(Core& core) {
  const std::string tags = R"("resonate:origin":"fp","resonate:branch":"fp","resonate:parent":"fp")";
  auto created = call(core, "task.create",
                      R"({"pid":"p1","ttl":60000,"action":{"kind":"promise.create","head":{},"data":{"id":"fp",)"
                      R"("timeoutAt":1800000000000,"tags":{"resonate:target":"poll://any@workers",)" + tags + "}}}}");
  REQUIRE(created.at("head").at("status") == 200);
  json::object last;
  for (const std::string child : {"fp:0", "fp:1"}) {
    last = call(core, "task.fence",
                R"({"id":"fp","version":1,"action":{"kind":"promise.create","head":{},"data":{"id":")" + child +
                    R"(","timeoutAt":1800000000000,"tags":{)" + tags + "}}}}");
    REQUIRE(last.at("head").at("status") == 200);
    CHECK(last.at("data").at("action").at("head").at("status") == 200);
  }
  return last.at("data").at("preload").as_array();
}

}  // namespace

TEST_CASE("task.fence carries the branch preload by default, and none when fence_preload is off") {
  SUBCASE("default: the reference behaviour") {
    auto store = resonate::store::make_memory_store();
    Core core(*store);
    const auto preload = preload_of_second_fence(core);
    REQUIRE(preload.size() == 2);
    CHECK(preload[0].at("id") == "fp:0");
    CHECK(preload[1].at("id") == "fp:1");
  }
  SUBCASE("off: an empty array, the answer otherwise unchanged") {
    auto store = resonate::store::make_memory_store();
    Core core(*store, CoreOptions{.fence_preload = false});
    CHECK(preload_of_second_fence(core).empty());
  }
}
