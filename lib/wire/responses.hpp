// The `data` of the protocol's responses (docs/resonate-protocol.md §3), one struct per shape,
// each with its JSON form in one place. An error response carries its message as a string
// instead (wire/envelope.hpp). Which request gets which shape:
//
//   PromiseResult   promise.get/create/settle/register_callback/register_listener, task.fulfill
//   PromisePage     promise.search          TaskResult     task.get
//   TaskPage        task.search             AcquiredTask   task.create, task.acquire
//   ScheduleResult  schedule.create/get     SchedulePage   schedule.search
//   FenceResult     task.fence              Preload        task.suspend answered 300
//   {}              task.release/heartbeat/halt/continue, schedule.delete, task.suspend (200)
//
// Readers (…_from_json) are for clients, and liberal where implementations differ
// (../shared/docs/resonate-protocol.md): extra fields are ignored, a missing preload is empty.
// They throw InvalidRequest naming the field when a required member is missing or mistyped.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "wire/envelope.hpp"
#include "wire/records.hpp"

namespace resonate::wire {

struct PromiseResult {
  Promise promise;
};

struct TaskResult {
  Task task;
};

struct ScheduleResult {
  Schedule schedule;
};

// One page of a search; `cursor` (the last id) is present only when more results exist.
struct PromisePage {
  std::vector<Promise> promises;
  std::optional<std::string> cursor{};
};

struct TaskPage {
  std::vector<Task> tasks;
  std::optional<std::string> cursor{};
};

struct SchedulePage {
  std::vector<Schedule> schedules;
  std::optional<std::string> cursor{};
};

// Promise records of a task's branch sent along to spare the worker reads (§4.9). Kept as
// JSON: answers repeat records the worker knows already, and it decodes only the new ones.
using PreloadRecords = boost::json::array;

PreloadRecords to_json(const std::vector<Promise>& preload);

// A task the caller now holds, with its promise.
struct AcquiredTask {
  Task task;
  Promise promise;
  PreloadRecords preload{};
};

// task.suspend when something awaited has settled already: the lease is kept, replay now.
struct Preload {
  PreloadRecords preload{};
};

// The answer of the fenced action (status 200 with a PromiseResult, or an error message) and
// the branch's records.
struct FenceResult {
  Response action;
  PreloadRecords preload{};
};

// A task.fence answered in this process without JSON (embedded mode, Core::fence): the
// fence's status (200, or 400/404/409/500 with `message`), the action's status inside it (200,
// or 404 "Promise not found" for a settlement), and the promise the action created, settled or
// found settled. No preload: embedded mode's core sends none.
struct FencedPromise {
  int status = 200;
  int action_status = 200;
  std::string message;
  Promise promise{};
};

boost::json::object to_json(const PromiseResult& result);
boost::json::object to_json(const TaskResult& result);
boost::json::object to_json(const ScheduleResult& result);
boost::json::object to_json(const PromisePage& page);
boost::json::object to_json(const TaskPage& page);
boost::json::object to_json(const SchedulePage& page);
// By value: the preload moves into the JSON.
boost::json::object to_json(AcquiredTask result);
boost::json::object to_json(Preload result);
boost::json::object to_json(FenceResult result);

PromiseResult promise_result_from_json(const boost::json::value& data);
TaskResult task_result_from_json(const boost::json::value& data);
ScheduleResult schedule_result_from_json(const boost::json::value& data);
PromisePage promise_page_from_json(const boost::json::value& data);
TaskPage task_page_from_json(const boost::json::value& data);
SchedulePage schedule_page_from_json(const boost::json::value& data);
AcquiredTask acquired_task_from_json(const boost::json::value& data);
Preload preload_from_json(const boost::json::value& data);
FenceResult fence_result_from_json(const boost::json::value& data);
// The same, moving the nested answer and the preload out of `data`.
FenceResult fence_result_from_json(boost::json::value&& data);

}  // namespace resonate::wire
