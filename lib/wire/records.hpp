// The records of the Resonate protocol (server v0.9.x, protocol version "2026-04-01").
// Field names follow docs/resonate-protocol.md §2; JSON conversion lives in json_codec.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wire/tags.hpp"

namespace resonate::wire {

// All protocol times are Unix epoch milliseconds.
using Millis = std::int64_t;

// The only protocol version this implementation speaks.
inline constexpr std::string_view protocol_version = "2026-04-01";

// A payload: opaque to the server. Absent fields stay absent on the wire.
struct Value {
  std::optional<Tags> headers{};
  std::optional<std::string> data{};

  friend bool operator==(const Value&, const Value&) = default;
};

enum class PromiseState { pending, resolved, rejected, rejected_canceled, rejected_timedout };

struct Promise {
  std::string id{};
  PromiseState state = PromiseState::pending;
  Value param{};
  Value value{};
  Tags tags{};
  Millis timeout_at = 0;
  Millis created_at = 0;
  std::optional<Millis> settled_at{};

  bool pending() const { return state == PromiseState::pending; }
  // The value of a tag, or an empty view when the tag is absent.
  std::string_view tag(std::string_view key) const;
  bool has_tag(std::string_view key) const { return tags.find(key) != tags.end(); }

  friend bool operator==(const Promise&, const Promise&) = default;
};

enum class TaskState { pending, acquired, suspended, halted, fulfilled };

struct Task {
  std::string id{};  // equals the id of the promise it executes
  TaskState state = TaskState::pending;
  std::int64_t version = 0;  // fencing token: grows on every successful acquire
  std::int64_t resumes = 0;  // awaited promises settled since the last acquire/suspend
  std::optional<Millis> ttl{};        // lease length, only while acquired
  std::optional<std::string> pid{};   // lease holder, only while acquired

  friend bool operator==(const Task&, const Task&) = default;
};

struct Schedule {
  std::string id{};
  std::string cron{};
  std::string promise_id{};  // template: {{.id}} and {{.timestamp}} are substituted
  Millis promise_timeout = 0;
  Value promise_param{};
  Tags promise_tags{};
  Millis created_at = 0;
  Millis next_run_at = 0;
  std::optional<Millis> last_run_at{};

  friend bool operator==(const Schedule&, const Schedule&) = default;
};

// "Task `awaiter` waits for promise `awaited`". A stored callback has not fired yet;
// a fired callback is consumed and counted in the awaiter task's `resumes`.
struct Callback {
  std::string awaited{};
  std::string awaiter{};
  friend bool operator==(const Callback&, const Callback&) = default;
};

// "Send `unblock` to `address` when promise `id` settles".
struct Listener {
  std::string id{};
  std::string address{};
  friend bool operator==(const Listener&, const Listener&) = default;
};

struct PromiseTimeout {
  std::string id{};
  Millis timeout = 0;
  friend bool operator==(const PromiseTimeout&, const PromiseTimeout&) = default;
};

// At most one per task: a retry timer re-sends `execute` for a pending task, a lease timer
// releases an acquired task whose worker stopped heartbeating.
enum class TaskTimeoutType { retry = 0, lease = 1 };

struct TaskTimeout {
  std::string id{};
  TaskTimeoutType type = TaskTimeoutType::retry;
  Millis timeout = 0;
  friend bool operator==(const TaskTimeout&, const TaskTimeout&) = default;
};

// A message waiting in the durable outbox. `body` is the compact JSON of the message
// (`{"kind":"execute",...}` or `{"kind":"unblock",...}`); `key` collapses duplicates:
// one execute per task, one unblock per (promise, address).
struct OutboxMessage {
  std::string key{};
  std::string address{};
  std::string body{};
  friend bool operator==(const OutboxMessage&, const OutboxMessage&) = default;
};

std::string_view to_string(PromiseState);
std::string_view to_string(TaskState);
std::optional<PromiseState> promise_state_from(std::string_view);
std::optional<TaskState> task_state_from(std::string_view);

// Reserved tag names (docs/resonate-protocol.md §2.6).
namespace tag {
inline constexpr std::string_view target = "resonate:target";
inline constexpr std::string_view timer = "resonate:timer";
inline constexpr std::string_view delay = "resonate:delay";
inline constexpr std::string_view origin = "resonate:origin";
inline constexpr std::string_view branch = "resonate:branch";
inline constexpr std::string_view parent = "resonate:parent";
inline constexpr std::string_view prefix = "resonate:prefix";
inline constexpr std::string_view schedule = "resonate:schedule";
inline constexpr std::string_view scope = "resonate:scope";
}  // namespace tag

}  // namespace resonate::wire
