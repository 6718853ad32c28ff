// The requests of the protocol (docs/resonate-protocol.md §3), one struct per kind, each with
// its kind string and its JSON form (the `data` member of the envelope) in one place.
//
// Writers (to_json) are what the SDK and the CLI send. The reader (request_from_json) is what
// the server accepts: strict, with every check that needs no stored state — types, required
// fields, ranges, addresses, lineage, cron syntax — in a fixed order, so that a request with
// several problems always gets the same 400 message. Checks against stored records are the
// core's (core/operations.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/json/object.hpp>

#include "wire/records.hpp"

namespace resonate::wire {

// ---- promises --------------------------------------------------------------------------

struct PromiseGet {
  static constexpr std::string_view kind = "promise.get";
  std::string id;
};

// Also the action of task.create and of a creating task.fence.
struct PromiseCreate {
  static constexpr std::string_view kind = "promise.create";
  std::string id;
  Millis timeout_at = 0;
  Value param{};
  Tags tags{};
};

// Also the action of task.fulfill and of a settling task.fence.
struct PromiseSettle {
  static constexpr std::string_view kind = "promise.settle";
  std::string id;
  PromiseState state = PromiseState::resolved;  // resolved, rejected or rejected_canceled
  Value value{};
};

// Also the action (one per awaited promise) of task.suspend.
struct PromiseRegisterCallback {
  static constexpr std::string_view kind = "promise.register_callback";
  std::string awaited;
  std::string awaiter;
};

struct PromiseRegisterListener {
  static constexpr std::string_view kind = "promise.register_listener";
  std::string awaited;
  std::string address;
};

struct PromiseSearch {
  static constexpr std::string_view kind = "promise.search";
  std::optional<PromiseState> state{};
  Tags tags{};  // every key/value must be among the promise's tags
  std::optional<std::string> cursor{};
  std::size_t limit = 100;  // 1..1000
};

// ---- tasks -----------------------------------------------------------------------------

struct TaskGet {
  static constexpr std::string_view kind = "task.get";
  std::string id;
};

// Creates the promise (it must carry resonate:target) and acquires its task at once.
struct TaskCreate {
  static constexpr std::string_view kind = "task.create";
  std::string pid;
  Millis ttl = 0;  // positive
  PromiseCreate action;
};

struct TaskAcquire {
  static constexpr std::string_view kind = "task.acquire";
  std::string id;
  std::int64_t version = 0;
  std::string pid;
  Millis ttl = 0;  // positive
};

struct TaskRelease {
  static constexpr std::string_view kind = "task.release";
  std::string id;
  std::int64_t version = 0;
};

struct TaskFulfill {
  static constexpr std::string_view kind = "task.fulfill";
  std::string id;
  std::int64_t version = 0;
  PromiseSettle action;  // settles the task's own promise
};

// Written as one promise.register_callback action per awaited promise, awaiter = the task.
struct TaskSuspend {
  static constexpr std::string_view kind = "task.suspend";
  std::string id;
  std::int64_t version = 0;
  std::vector<std::string> awaited;  // not empty; repeats allowed
};

// Creates or settles a promise other than the task's own, while the lease is held.
struct TaskFence {
  static constexpr std::string_view kind = "task.fence";
  std::string id;
  std::int64_t version = 0;
  std::variant<PromiseCreate, PromiseSettle> action;
};

struct HeldTask {
  std::string id;
  std::int64_t version = 0;
};

struct TaskHeartbeat {
  static constexpr std::string_view kind = "task.heartbeat";
  std::string pid;
  std::vector<HeldTask> tasks;  // not empty
};

struct TaskHalt {
  static constexpr std::string_view kind = "task.halt";
  std::string id;
};

struct TaskContinue {
  static constexpr std::string_view kind = "task.continue";
  std::string id;
};

struct TaskSearch {
  static constexpr std::string_view kind = "task.search";
  std::optional<TaskState> state{};
  std::optional<std::string> cursor{};
  std::size_t limit = 100;  // 1..1000
};

// ---- schedules -------------------------------------------------------------------------

struct ScheduleCreate {
  static constexpr std::string_view kind = "schedule.create";
  std::string id;    // without '.'
  std::string cron;  // a valid expression (wire/cron.hpp) that fires at least once more
  std::string promise_id;
  Millis promise_timeout = 0;
  Value promise_param{};
  Tags promise_tags{};  // must contain resonate:target
};

struct ScheduleGet {
  static constexpr std::string_view kind = "schedule.get";
  std::string id;
};

struct ScheduleDelete {
  static constexpr std::string_view kind = "schedule.delete";
  std::string id;
};

struct ScheduleSearch {
  static constexpr std::string_view kind = "schedule.search";
  Tags tags{};  // matched against the schedules' promise tags
  std::optional<std::string> cursor{};
  std::size_t limit = 10;  // 1..1000
};

// ---- every request ---------------------------------------------------------------------

using Request = std::variant<PromiseGet, PromiseCreate, PromiseSettle, PromiseRegisterCallback,
                             PromiseRegisterListener, PromiseSearch, TaskGet, TaskCreate, TaskAcquire, TaskRelease,
                             TaskFulfill, TaskSuspend, TaskFence, TaskHeartbeat, TaskHalt, TaskContinue, TaskSearch,
                             ScheduleCreate, ScheduleGet, ScheduleDelete, ScheduleSearch>;

// True for the kinds above (debug.* kinds are the core's own).
bool is_request_kind(std::string_view kind);

// Reads the `data` of a request of `kind`. Throws InvalidRequest with the message of the
// first problem found, "Unknown operation: <kind>" for a kind not listed above.
Request request_from_json(std::string_view kind, const boost::json::object& data);

// The checks request_from_json makes of a task.fence, for one built in this process (embedded
// mode hands it to the core typed): throws InvalidRequest with the same message the reader of
// the same request as JSON would.
void check(const TaskFence& request);

boost::json::object to_json(const PromiseGet& request);
boost::json::object to_json(const PromiseCreate& request);
boost::json::object to_json(const PromiseSettle& request);
boost::json::object to_json(const PromiseRegisterCallback& request);
boost::json::object to_json(const PromiseRegisterListener& request);
boost::json::object to_json(const PromiseSearch& request);
boost::json::object to_json(const TaskGet& request);
boost::json::object to_json(const TaskCreate& request);
boost::json::object to_json(const TaskAcquire& request);
boost::json::object to_json(const TaskRelease& request);
boost::json::object to_json(const TaskFulfill& request);
boost::json::object to_json(const TaskSuspend& request);
boost::json::object to_json(const TaskFence& request);
boost::json::object to_json(const TaskHeartbeat& request);
boost::json::object to_json(const TaskHalt& request);
boost::json::object to_json(const TaskContinue& request);
boost::json::object to_json(const TaskSearch& request);
boost::json::object to_json(const ScheduleCreate& request);
boost::json::object to_json(const ScheduleGet& request);
boost::json::object to_json(const ScheduleDelete& request);
boost::json::object to_json(const ScheduleSearch& request);

}  // namespace resonate::wire
