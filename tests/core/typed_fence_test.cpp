// Core::fence, the typed task.fence of embedded mode, answers every request exactly as
// Core::apply answers the same request as JSON: same statuses, same messages, same promise.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/core.hpp"
#include "request_body.hpp"
#include "store/factories.hpp"
#include "wire/json_codec.hpp"
#include "wire/requests.hpp"

namespace {

namespace json = boost::json;
using resonate::core::Core;
using resonate::wire::PromiseCreate;
using resonate::wire::PromiseSettle;
using resonate::wire::PromiseState;
using resonate::wire::TaskFence;

constexpr std::int64_t kNow = 1700000000000;

// What a fence answered, in one shape for both paths.
struct Answer {
  int status = 0;
  int action_status = 0;
  std::string message;
  std::string promise;  // the promise record as JSON text, when there is one
  bool operator==(const Answer&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Answer& answer) {
  return out << answer.status << "/" << answer.action_status << " '" << answer.message << "' " << answer.promise;
}

Answer through_json(Core& core, const TaskFence& request) {
  const auto body = resonate::core_test::request_body("task.fence", json::serialize(resonate::wire::to_json(request)));
  const auto envelope = json::parse(core.apply(kNow, body).body).as_object();
  Answer answer;
  answer.status = static_cast<int>(envelope.at("head").at("status").as_int64());
  const auto& data = envelope.at("data");
  if (answer.status != 200) {
    answer.message = std::string(data.as_string());
    return answer;
  }
  const auto& action = data.at("action").as_object();
  answer.action_status = static_cast<int>(action.at("head").at("status").as_int64());
  if (answer.action_status != 200) {
    answer.message = std::string(action.at("data").as_string());
  } else {
    answer.promise = json::serialize(action.at("data").at("promise"));
  }
  return answer;
}

Answer typed(Core& core, const TaskFence& request) {
  const auto fenced = core.fence(kNow, request);
  Answer answer{fenced.status, fenced.status == 200 ? fenced.action_status : 0, fenced.message, {}};
  if (fenced.status == 200 && fenced.action_status == 200) answer.promise = json::serialize(resonate::wire::to_json(fenced.promise));
  return answer;
}

// A core whose task "flow" is held at version 1 (embedded mode's options: no preload).
struct HeldTask {
  std::unique_ptr<resonate::core::Store> store = resonate::store::make_memory_store();
  Core core{*store, resonate::core::CoreOptions{.fence_preload = false}};
  HeldTask() {
    const std::string flow = R"({"id":"flow","timeoutAt":)" + std::to_string(kNow + 600000) +
                             R"(,"tags":{"resonate:target":"poll://any@workers"}})";
    REQUIRE(json::parse(core.apply(kNow, resonate::core_test::request_body("promise.create", flow)).body)
                .at("head").at("status") == 200);
    REQUIRE(json::parse(core.apply(kNow, resonate::core_test::request_body(
                                               "task.acquire", R"({"id":"flow","version":0,"pid":"w","ttl":60000})"))
                            .body)
                .at("head").at("status") == 200);
  }
};

PromiseCreate child(std::string id, std::int64_t timeout_at = kNow + 1000) {
  PromiseCreate creation;
  creation.id = std::move(id);
  creation.timeout_at = timeout_at;
  creation.tags = {{"resonate:scope", "local"}, {"resonate:parent", "flow"}, {"resonate:origin", "flow"}};
  return creation;
}

PromiseSettle settle(std::string id, PromiseState state = PromiseState::resolved) {
  PromiseSettle settlement;
  settlement.id = std::move(id);
  settlement.state = state;
  settlement.value.data = "NDI=";
  return settlement;
}

}  // namespace

TEST_CASE("the typed task.fence answers as the JSON one: statuses, messages and promises, in order") {
  auto bad_lineage = child("other:0");
  auto bad_target = child("flow:5");
  bad_target.tags["resonate:target"] = "nonsense";
  const std::vector<std::pair<std::string, TaskFence>> cases{
      {"create", {"flow", 1, child("flow:0")}},
      {"create again (idempotent)", {"flow", 1, child("flow:0")}},
      {"settle", {"flow", 1, settle("flow:0")}},
      {"settle again (found settled)", {"flow", 1, settle("flow:0", PromiseState::rejected)}},
      {"settle an unknown promise", {"flow", 1, settle("flow:9")}},
      {"stale version", {"flow", 7, child("flow:1")}},
      {"unknown task", {"nope", 0, child("nope:0")}},
      {"lineage", {"flow", 1, bad_lineage}},
      {"target address", {"flow", 1, bad_target}},
      {"empty promise id", {"flow", 1, child("")}},
      {"NUL in the promise id", {"flow", 1, child(std::string("flow:1\0x", 8))}},
      {"negative timeout", {"flow", 1, child("flow:2", -1)}},
      {"settle to pending", {"flow", 1, settle("flow:3", PromiseState::pending)}},
      {"settle as timed out", {"flow", 1, settle("flow:3", PromiseState::rejected_timedout)}},
      {"the task's own promise", {"flow", 1, settle("flow")}},
      {"empty task id", {"", 1, child("flow:4")}},
      {"negative version", {"flow", -1, child("flow:4")}},
  };
  HeldTask by_json, by_type;
  // No structured binding: clang 14 cannot capture one in INFO.
  for (const auto& entry : cases) {
    INFO(entry.first);
    const auto expected = through_json(by_json.core, entry.second);
    const auto actual = typed(by_type.core, entry.second);
    CHECK(actual == expected);
  }
  // The same writes: both stores hold the same records.
  const auto snap = [](Core& core) {
    auto body = json::parse(core.apply(kNow, resonate::core_test::request_body("promise.get", R"({"id":"flow:0"})")).body);
    return json::serialize(body.at("data"));
  };
  CHECK(snap(by_type.core) == snap(by_json.core));
}

TEST_CASE("the typed task.fence reports the deadline it wrote and emits the messages it made") {
  HeldTask held;
  held.core.take_new_deadline();
  held.core.take_messages();
  auto sleep = child("flow:0", kNow + 5000);
  sleep.tags["resonate:target"] = "poll://any@workers";
  sleep.tags["resonate:timer"] = "true";
  const auto answer = held.core.fence(kNow, TaskFence{"flow", 1, sleep});
  REQUIRE(answer.status == 200);
  CHECK(answer.promise.id == "flow:0");
  CHECK(held.core.take_new_deadline() == kNow + 5000);
  CHECK(held.core.take_messages().size() == 1);  // the timer's task is offered to the group
}
