// The typed protocol messages: every request kind reads back what it writes, the shapes other
// SDKs depend on are pinned byte for byte, readers of answers and pushed messages are liberal.
#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "wire/envelope.hpp"
#include "wire/json_codec.hpp"
#include "wire/messages.hpp"
#include "wire/requests.hpp"
#include "wire/resources.hpp"
#include "wire/responses.hpp"

namespace json = boost::json;
using namespace resonate::wire;

namespace {

Value value_of(std::string data) { return Value{Tags{}, std::move(data)}; }

Tags call_tags(const std::string& id) {
  return Tags{{"resonate:origin", id},
              {"resonate:branch", id},
              {"resonate:parent", id},
              {"resonate:scope", "global"},
              {"resonate:target", "poll://any@workers"}};
}

PromiseCreate creation(const std::string& id) { return PromiseCreate{id, 5000, value_of("e30="), call_tags(id)}; }

// One request of every kind, each with its optional members set.
std::vector<Request> one_of_each() {
  return {
      PromiseGet{"p1"},
      creation("p1"),
      PromiseSettle{"p1", PromiseState::rejected_canceled, value_of("bm8=")},
      PromiseRegisterCallback{"p1", "p2"},
      PromiseRegisterListener{"p1", "poll://uni@clients/c1"},
      PromiseSearch{PromiseState::pending, Tags{{"resonate:parent", "p1"}}, "p0", 50},
      TaskGet{"t1"},
      TaskCreate{"w1", 30000, creation("t1")},
      TaskAcquire{"t1", 3, "w1", 30000},
      TaskRelease{"t1", 3},
      TaskFulfill{"t1", 3, PromiseSettle{"t1", PromiseState::resolved, value_of("MQ==")}},
      TaskSuspend{"t1", 3, {"t1.0", "t1.1"}},
      TaskFence{"t1", 3, creation("t1.0")},
      TaskFence{"t1", 3, PromiseSettle{"t1.0", PromiseState::rejected, value_of("Mg==")}},
      TaskHeartbeat{"w1", {{"t1", 3}, {"t2", 1}}},
      TaskHalt{"t1"},
      TaskContinue{"t1"},
      TaskSearch{TaskState::suspended, "t0", 7},
      ScheduleCreate{"nightly", "0 3 * * *", "nightly-{{.timestamp}}", 60000, value_of("e30="), call_tags("nightly")},
      ScheduleGet{"nightly"},
      ScheduleDelete{"nightly"},
      ScheduleSearch{Tags{{"team", "a"}}, "s0", 5},
  };
}

json::object data_of(const Request& request) {
  return std::visit([](const auto& typed) { return to_json(typed); }, request);
}

std::string_view kind_of(const Request& request) {
  return std::visit([](const auto& typed) { return typed.kind; }, request);
}

std::string error_of(std::string_view kind, std::string_view data) {
  try {
    request_from_json(kind, json::parse(data).as_object());
  } catch (const InvalidRequest& error) {
    return error.what();
  }
  return "";
}

}  // namespace

TEST_CASE("requests: every kind reads back exactly what it writes") {
  const auto requests = one_of_each();
  CHECK(requests.size() == std::variant_size_v<Request> + 1);  // task.fence both ways
  for (const auto& request : requests) {
    CAPTURE(kind_of(request));
    CHECK(is_request_kind(kind_of(request)));
    const auto written = data_of(request);
    const auto read = request_from_json(kind_of(request), written);
    CHECK(read.index() == request.index());
    CHECK(json::serialize(data_of(read)) == json::serialize(written));
  }
  CHECK_FALSE(is_request_kind("debug.tick"));
  CHECK_FALSE(is_request_kind("promise.delete"));
}

TEST_CASE("requests: nested actions are written as the TypeScript SDK writes them") {
  const TaskCreate create{"w1", 60000, PromiseCreate{"a", 9, {}, Tags{{"resonate:target", "poll://any@g"}}}};
  CHECK(json::serialize(to_json(create)) ==
        R"({"pid":"w1","ttl":60000,"action":{"kind":"promise.create",)"
        R"("head":{"corrId":"a/create","version":"2026-04-01"},)"
        R"("data":{"id":"a","timeoutAt":9,"param":{},"tags":{"resonate:target":"poll://any@g"}}}})");
  CHECK(json::serialize(to_json(TaskSuspend{"a", 2, {"a.0"}})) ==
        R"({"id":"a","version":2,"actions":[{"kind":"promise.register_callback","head":{"corrId":"a/suspend",)"
        R"("version":"2026-04-01"},"data":{"awaited":"a.0","awaiter":"a"}}]})");
  CHECK(json::serialize(to_json(TaskFulfill{"a", 2, PromiseSettle{"a", PromiseState::resolved, value_of("MQ==")}})) ==
        R"({"id":"a","version":2,"action":{"kind":"promise.settle",)"
        R"("head":{"corrId":"a/fulfill","version":"2026-04-01"},)"
        R"("data":{"id":"a","state":"resolved","value":{"headers":{},"data":"MQ=="}}}})");
  CHECK(json::serialize(to_json(RequestEnvelope{"task.get", "c-1", "tok", json::object{{"id", "a"}}})) ==
        R"({"kind":"task.get","head":{"corrId":"c-1","version":"2026-04-01","auth":"tok"},"data":{"id":"a"}})");
}

TEST_CASE("requests: the server's reader names the first problem, in a fixed order") {
  CHECK(error_of("promise.delete", "{}") == "Unknown operation: promise.delete");
  CHECK(error_of("promise.get", "{}") == "Promise ID is required");
  CHECK(error_of("promise.get", R"({"id":7})") == "Promise ID must be a string");
  CHECK(error_of("promise.create", R"({"id":"a","timeoutAt":-1})") == "timeoutAt must be a non-negative integer");
  CHECK(error_of("promise.settle", R"({"id":"a","state":"pending"})") ==
        "Invalid state: must be one of resolved, rejected, rejected_canceled");
  CHECK(error_of("task.acquire", R"({"id":"a","version":0,"pid":"w","ttl":0})") == "ttl must be a positive integer");
  CHECK(error_of("task.fence", R"({"id":"a","version":0,"action":{"kind":"task.get","data":{}}})") ==
        "Invalid fence action kind");
  CHECK(error_of("task.suspend", R"({"id":"a","version":0,"actions":[]})") == "actions must be a non-empty array");
  // The cron is checked before the members after it: a bad cron is reported first.
  CHECK(error_of("schedule.create", R"({"id":"s","cron":"not cron"})") == "Invalid cron expression");
  CHECK(error_of("schedule.create", R"({"id":"s.1","cron":"* * * * *"})") == "Schedule ID must not contain '.'");
  CHECK(error_of("promise.search", R"({"limit":1001})") == "Invalid 'limit' \u2014 must be between 1 and 1000");
}

TEST_CASE("responses: what the server writes, a client reads back") {
  Promise promise;
  promise.id = "a";
  promise.timeout_at = 9;
  promise.tags = Tags{{"resonate:target", "poll://any@g"}};
  Task task;
  task.id = "a";
  task.state = TaskState::acquired;
  task.version = 2;
  task.pid = "w1";
  task.ttl = 1000;

  const auto acquired = acquired_task_from_json(to_json(AcquiredTask{task, promise, to_json(std::vector{promise})}));
  CHECK(acquired.task.pid == "w1");
  CHECK(acquired.promise.tags == promise.tags);
  REQUIRE(acquired.preload.size() == 1);
  CHECK(promise_from_json(acquired.preload[0]).id == "a");

  const auto page = promise_page_from_json(to_json(PromisePage{{promise, promise}, "a"}));
  CHECK(page.promises.size() == 2);
  CHECK(page.cursor == "a");
  CHECK_FALSE(task_page_from_json(to_json(TaskPage{{task}, std::nullopt})).cursor.has_value());

  FenceResult fence{Response{"promise.settle", "c", 404, json::string("Promise not found")}, {}};
  const auto read = fence_result_from_json(to_json(fence));
  CHECK(read.action.status == 404);
  CHECK_FALSE(read.action.ok());
  CHECK(read.action.message() == "Promise not found");
}

TEST_CASE("responses: readers accept what other implementations send") {
  // No preload at all, extra members, a task without resumes.
  const auto acquired = acquired_task_from_json(json::parse(
      R"({"task":{"id":"a","state":"acquired","version":1,"extra":true},)"
      R"("promise":{"id":"a","state":"pending","timeoutAt":9,"createdAt":1,"value":{}},"more":1})"));
  CHECK(acquired.preload.empty());
  CHECK(acquired.task.resumes == 0);
  CHECK(acquired.promise.pending());
  CHECK(preload_from_json(json::parse(R"({"preload":null})")).preload.empty());
  // An envelope without head reads as status 0, its message says so.
  const auto bare = response_from_json(json::parse(R"({"kind":"task.get"})"));
  CHECK(bare.status == 0);
  CHECK(bare.message() == "status 0");
  // A record with a missing required member is an error that names it.
  std::string problem;
  try {
    promise_result_from_json(json::parse(R"({"promise":{"id":"a","state":"pending"}})"));
  } catch (const InvalidRequest& error) {
    problem = error.what();
  }
  CHECK(problem.find("timeoutAt") != std::string::npos);
}

TEST_CASE("messages: execute and unblock round trip; unknown or incomplete ones are ignored") {
  CHECK(json::serialize(to_json(ExecuteMessage{"t1", 4})) ==
        R"({"kind":"execute","head":{},"data":{"task":{"id":"t1","version":4}}})");
  const auto execute = message_from_json(to_json(ExecuteMessage{"t1", 4}));
  REQUIRE(execute.has_value());
  CHECK(std::get<ExecuteMessage>(*execute).task_id == "t1");
  CHECK(std::get<ExecuteMessage>(*execute).version == 4);

  const auto unblock = message_from_json(json::parse(R"({"kind":"unblock","data":{"promise":{"id":"p"}}})"));
  REQUIRE(unblock.has_value());
  CHECK(std::get<UnblockMessage>(*unblock).promise.id == "p");
  CHECK(std::get<UnblockMessage>(*unblock).promise.pending());  // only the id: a waiter asks for the rest

  // A whole settled record comes through whole: its waiter needs no request to learn the value.
  Promise settled;
  settled.id = "q";
  settled.state = PromiseState::resolved;
  settled.value.data = "NDI=";
  settled.timeout_at = 10;
  settled.created_at = 1;
  settled.settled_at = 2;
  const auto whole = message_from_json(to_json(UnblockMessage{settled}));
  REQUIRE(whole.has_value());
  const auto& carried = std::get<UnblockMessage>(*whole).promise;
  CHECK(carried.id == "q");
  CHECK(carried.state == PromiseState::resolved);
  CHECK(carried.value.data == std::optional<std::string>("NDI="));

  CHECK_FALSE(message_from_json(json::parse(R"({"kind":"notify","data":{}})")).has_value());
  CHECK_FALSE(message_from_json(json::parse(R"({"kind":"execute","data":{"task":{"id":"t1"}}})")).has_value());
  CHECK_FALSE(message_from_json(json::parse("[]")).has_value());
}

TEST_CASE("resources: the ids a request names, nested actions included") {
  // The ids point into the data: it must outlive them.
  const json::value suspend_data = to_json(TaskSuspend{"a", 1, {"b", "c"}});
  const auto suspend = resource_ids("task.suspend", suspend_data);
  REQUIRE(suspend.has_value());
  REQUIRE(suspend->size() == 3);
  CHECK((*suspend)[2]->as_string() == "c");
  const json::value fence_data = to_json(TaskFence{"a", 1, creation("x")});
  const auto fence = resource_ids("task.fence", fence_data);
  REQUIRE(fence.has_value());
  CHECK((*fence)[1]->as_string() == "x");
  const json::value empty = json::object{};
  const auto missing = resource_ids("promise.get", empty);
  REQUIRE(missing.has_value());
  CHECK((*missing)[0] == nullptr);
  CHECK_FALSE(resource_ids("promise.search", empty).has_value());
  CHECK_FALSE(resource_ids("debug.snap", empty).has_value());
}
