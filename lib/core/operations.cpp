#include "core/operations.hpp"

#include <algorithm>
#include <charconv>
#include <set>
#include <unordered_map>

#include "core/cron.hpp"
#include "wire/address.hpp"
#include "wire/clock.hpp"
#include "wire/json_codec.hpp"
#include "wire/json_fields.hpp"
#include "wire/lineage.hpp"

namespace resonate::core {

// The core speaks the records and codec of the wire layer throughout.
using namespace resonate::wire;

namespace json = boost::json;

namespace {

constexpr std::size_t max_search_limit = 1000;

// ---- validation helpers --------------------------------------------------------------

std::string required_id(const JsonFields& fields, std::string_view key, std::string_view label) {
  const auto* found = fields.find(key);
  if (found == nullptr || (found->is_string() && found->get_string().empty())) {
    throw InvalidRequest(std::string(label) + " is required");
  }
  if (!found->is_string()) throw InvalidRequest(std::string(label) + " must be a string");
  std::string id(found->get_string());
  if (id.find('\0') != std::string::npos) throw InvalidRequest(std::string(label) + " must not contain NUL");
  return id;
}

std::int64_t non_negative(const JsonFields& fields, std::string_view key, std::string_view label) {
  const auto* found = fields.find(key);
  if (found == nullptr) throw InvalidRequest(std::string(label) + " is required");
  auto value = fields.integer(key);
  if (value < 0) throw InvalidRequest(std::string(label) + " must be a non-negative integer");
  return value;
}

std::int64_t positive(const JsonFields& fields, std::string_view key, std::string_view label) {
  auto value = non_negative(fields, key, label);
  if (value < 1) throw InvalidRequest(std::string(label) + " must be a positive integer");
  return value;
}

std::optional<Millis> parse_delay(std::string_view text) {
  Millis value = 0;
  if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

PromiseCreation parse_creation(const JsonFields& fields) {
  PromiseCreation creation;
  creation.id = required_id(fields, "id", "Promise ID");
  creation.timeout_at = non_negative(fields, "timeoutAt", "timeoutAt");
  if (const auto* param = fields.find("param"); param != nullptr && !param->is_null()) {
    creation.param = value_from_json(*param, "param");
  }
  if (const auto* tags = fields.find("tags"); tags != nullptr && !tags->is_null()) {
    creation.tags = tags_from_json(*tags, "tags");
  }
  validate_lineage(creation.id, creation.tags);

  auto target = creation.tags.find(tag::target);
  if (target != creation.tags.end() && !parse_address(target->second)) {
    throw InvalidRequest("Invalid resonate:target address");
  }
  if (auto delay = creation.tags.find(tag::delay); delay != creation.tags.end()) {
    auto at = parse_delay(delay->second);
    if (!at) throw InvalidRequest("Invalid resonate:delay: must be a non-negative integer (epoch ms)");
    if (*at >= creation.timeout_at) throw InvalidRequest("Invalid resonate:delay: must be before timeoutAt");
    if (target == creation.tags.end()) throw InvalidRequest("Invalid resonate:delay: requires resonate:target");
  }
  return creation;
}

const json::value& action_data(const json::object& action) {
  const auto* data = action.if_contains("data");
  if (data == nullptr) throw InvalidRequest("Invalid request: action.data is required");
  return *data;
}

struct Settlement {
  std::string id;
  PromiseState state;
  Value value;
};

Settlement parse_settlement(const JsonFields& fields) {
  Settlement settlement;
  settlement.id = required_id(fields, "id", "Promise ID");
  auto state = promise_state_from(fields.string("state"));
  if (!state || *state == PromiseState::pending || *state == PromiseState::rejected_timedout) {
    throw InvalidRequest("Invalid state: must be one of resolved, rejected, rejected_canceled");
  }
  settlement.state = *state;
  if (const auto* value = fields.find("value"); value != nullptr && !value->is_null()) {
    settlement.value = value_from_json(*value, "value");
  }
  return settlement;
}

std::size_t search_limit(const JsonFields& fields, std::size_t fallback) {
  if (!fields.has("limit")) return fallback;
  auto limit = fields.integer("limit");
  if (limit < 1 || limit > static_cast<std::int64_t>(max_search_limit)) {
    throw InvalidRequest("Invalid 'limit' \u2014 must be between 1 and 1000");
  }
  return static_cast<std::size_t>(limit);
}

json::array records(const std::vector<Promise>& promises) {
  json::array out;
  out.reserve(promises.size());
  for (const auto& promise : promises) out.push_back(to_json(promise));
  return out;
}

// Reads one page of `limit` results from a search that fetched limit + 1 rows: the cursor
// is present only when more results exist.
template <typename Row, typename ToJson>
json::object page(std::vector<Row> rows, std::size_t limit, std::string_view name, ToJson to_json_row) {
  json::object out;
  const bool more = rows.size() > limit;
  if (more) rows.resize(limit);
  json::array items;
  for (const auto& row : rows) items.push_back(to_json_row(row));
  out.emplace(name, std::move(items));
  if (more) out.emplace("cursor", rows.back().id);
  return out;
}

// ---- shared lookups ------------------------------------------------------------------

Promise require_promise(StateMachine& machine, std::string_view id) {
  auto promise = machine.read_promise(id);
  if (!promise) throw Failure(404, "Promise not found");
  return *promise;
}

// Reads the task after settling its promise by timeout if due (lazy timeout).
Task require_task(StateMachine& machine, std::string_view id) {
  machine.read_promise(id);
  auto task = machine.tx().get_task(id);
  if (!task) throw Failure(404, "Task not found");
  return *task;
}

bool held_at(const Task& task, std::int64_t version) {
  return task.state == TaskState::acquired && task.version == version;
}

json::object task_with_promise(StateMachine& machine, const Task& task, const Promise& promise, bool with_preload) {
  json::array preload;
  if (with_preload) preload = records(machine.preload(promise));
  return json::object{{"task", to_json(task)}, {"promise", to_json(promise)}, {"preload", std::move(preload)}};
}

json::object promise_data(const Promise& promise) { return json::object{{"promise", to_json(promise)}}; }

// ---- promises ------------------------------------------------------------------------

OperationResult promise_get(const JsonFields& fields, OperationContext& context) {
  auto id = required_id(fields, "id", "Promise ID");
  return {200, promise_data(require_promise(context.machine, id))};
}

OperationResult promise_create(const JsonFields& fields, OperationContext& context) {
  auto creation = parse_creation(fields);
  return {200, promise_data(context.machine.create_promise(creation))};
}

OperationResult promise_settle(const JsonFields& fields, OperationContext& context) {
  auto settlement = parse_settlement(fields);
  auto promise = require_promise(context.machine, settlement.id);
  if (!promise.pending()) return {200, promise_data(promise)};
  return {200, promise_data(context.machine.settle(promise, settlement.state, std::move(settlement.value)))};
}

OperationResult promise_register_callback(const JsonFields& fields, OperationContext& context) {
  auto awaited_id = required_id(fields, "awaited", "Awaited promise ID");
  auto awaiter_id = required_id(fields, "awaiter", "Awaiter promise ID");
  if (awaited_id == awaiter_id) throw InvalidRequest("A promise cannot await itself");

  auto& machine = context.machine;
  auto awaited = machine.read_promise(awaited_id);
  auto awaiter = machine.read_promise(awaiter_id);
  if (!awaited) throw Failure(404, "Awaited promise not found");
  if (!awaiter) throw Failure(422, "Awaiter promise not found");
  if (!awaiter->has_tag(tag::target)) throw Failure(422, "Awaiter promise has no resonate:target tag");

  if (awaiter->pending()) {
    if (awaited->pending()) {
      machine.tx().add_callback({awaited_id, awaiter_id});
    } else {
      machine.resume_awaiter(awaiter_id);
    }
  }
  return {200, promise_data(*awaited)};
}

OperationResult promise_register_listener(const JsonFields& fields, OperationContext& context) {
  auto awaited_id = required_id(fields, "awaited", "Awaited promise ID");
  const auto* address = fields.find("address");
  if (address == nullptr || !address->is_string() || !parse_address(address->get_string())) {
    throw InvalidRequest("Invalid listener address");
  }
  auto awaited = context.machine.read_promise(awaited_id);
  if (!awaited) throw Failure(404, "Awaited promise not found");
  if (awaited->pending()) context.machine.tx().add_listener({awaited_id, std::string(address->get_string())});
  return {200, promise_data(*awaited)};
}

OperationResult promise_search(const JsonFields& fields, OperationContext& context) {
  PromiseQuery query;
  if (auto state = fields.optional_string("state")) {
    query.state = promise_state_from(*state);
    if (!query.state) throw InvalidRequest("Invalid state: " + *state);
  }
  if (const auto* tags = fields.find("tags"); tags != nullptr && !tags->is_null()) {
    query.tags = tags_from_json(*tags, "tags");
  }
  query.cursor = fields.optional_string("cursor");
  const auto limit = search_limit(fields, 100);
  query.limit = limit + 1;
  auto rows = context.machine.tx().search_promises(query);
  return {200, page(std::move(rows), limit, "promises", [](const Promise& p) { return to_json(p); })};
}

// ---- tasks ---------------------------------------------------------------------------

OperationResult task_get(const JsonFields& fields, OperationContext& context) {
  auto id = required_id(fields, "id", "Task ID");
  return {200, json::object{{"task", to_json(require_task(context.machine, id))}}};
}

OperationResult task_create(const JsonFields& fields, OperationContext& context) {
  auto pid = required_id(fields, "pid", "pid");
  auto ttl = positive(fields, "ttl", "ttl");
  const auto& action = fields.object("action");
  if (!action.contains("head")) throw InvalidRequest("Invalid request: action.head is required");
  auto creation = parse_creation(JsonFields(action_data(action), "action.data"));
  if (!creation.tags.contains(tag::target)) throw InvalidRequest("task.create requires a resonate:target tag");
  if (creation.tags.contains(tag::delay)) throw InvalidRequest("task.create does not accept resonate:delay");

  auto& machine = context.machine;
  if (auto existing = machine.read_promise(creation.id)) {
    auto task = machine.tx().get_task(creation.id);
    if (!task) throw Failure(422, "The promise does not have a resonate:target tag");
    switch (task->state) {
      case TaskState::pending:
        return {200, task_with_promise(machine, machine.acquire(*task, pid, ttl), *existing, true)};
      case TaskState::fulfilled:
        return {200, task_with_promise(machine, *task, *existing, false)};
      default:
        throw Failure(409, "Already exists");
    }
  }

  // Created and acquired in one step: the caller runs it now, so no execute goes out.
  auto promise = machine.create_promise(creation, {.dispatch = false});
  auto task = machine.tx().get_task(promise.id);
  if (!promise.pending()) return {200, task_with_promise(machine, *task, promise, false)};
  auto acquired = machine.acquire(*task, pid, ttl);
  return {200, task_with_promise(machine, acquired, promise, true)};
}

OperationResult task_acquire(const JsonFields& fields, OperationContext& context) {
  auto id = required_id(fields, "id", "Task ID");
  auto version = non_negative(fields, "version", "Version");
  auto pid = required_id(fields, "pid", "pid");
  auto ttl = positive(fields, "ttl", "ttl");
  auto& machine = context.machine;
  auto task = require_task(machine, id);
  if (task.state != TaskState::pending) throw Failure(409, "Task is not pending");
  if (task.version != version) throw Failure(409, "Version mismatch");
  auto promise = require_promise(machine, id);
  return {200, task_with_promise(machine, machine.acquire(task, pid, ttl), promise, true)};
}

OperationResult task_release(const JsonFields& fields, OperationContext& context) {
  auto id = required_id(fields, "id", "Task ID");
  auto version = non_negative(fields, "version", "Version");
  auto task = require_task(context.machine, id);
  if (!held_at(task, version)) throw Failure(409, "Task version mismatch or invalid state");
  context.machine.make_pending(task);
  return {200, json::object{}};
}

OperationResult task_fulfill(const JsonFields& fields, OperationContext& context) {
  auto id = required_id(fields, "id", "Task ID");
  auto version = non_negative(fields, "version", "Version");
  const auto& action = fields.object("action");
  auto settlement = parse_settlement(JsonFields(action_data(action), "action.data"));
  if (settlement.id != id) throw InvalidRequest("The settled promise must be the task's own promise");

  auto& machine = context.machine;
  auto task = require_task(machine, id);
  if (!held_at(task, version)) throw Failure(409, "Task version mismatch or invalid state");
  auto promise = require_promise(machine, id);
  return {200, promise_data(machine.settle(promise, settlement.state, std::move(settlement.value)))};
}

OperationResult task_suspend(const JsonFields& fields, OperationContext& context) {
  auto id = required_id(fields, "id", "Task ID");
  auto version = non_negative(fields, "version", "Version");
  const auto& actions = fields.value("actions");
  if (!actions.is_array() || actions.get_array().empty()) {
    throw InvalidRequest("actions must be a non-empty array");
  }
  std::set<std::string> awaited_ids;
  for (const auto& action : actions.get_array()) {
    JsonFields action_fields(action, "action");
    JsonFields data(action_fields.value("data"), "action.data");
    auto awaiter = required_id(data, "awaiter", "Awaiter promise ID");
    auto awaited = required_id(data, "awaited", "Awaited promise ID");
    if (awaiter != id) throw InvalidRequest("Every awaiter must be the suspending task");
    if (awaited == id) throw InvalidRequest("A task cannot await its own promise");
    awaited_ids.insert(std::move(awaited));
  }

  auto& machine = context.machine;
  std::vector<Promise> awaited;
  for (const auto& awaited_id : awaited_ids) {
    if (auto promise = machine.read_promise(awaited_id)) awaited.push_back(std::move(*promise));
  }
  auto task = require_task(machine, id);
  if (!held_at(task, version)) throw Failure(409, "Task is not acquired or version mismatch");
  if (awaited.size() != awaited_ids.size()) throw Failure(422, "Awaited promise not found");

  if (std::any_of(awaited.begin(), awaited.end(), [](const Promise& p) { return !p.pending(); })) {
    // Something it waits for is already done: keep the lease and go on replaying.
    task.resumes = 0;
    machine.tx().put_task(task);
    auto promise = require_promise(machine, id);
    return {300, json::object{{"preload", records(machine.preload(promise))}}};
  }

  for (const auto& awaited_id : awaited_ids) machine.tx().add_callback({awaited_id, id});
  task.state = TaskState::suspended;
  task.resumes = 0;
  task.pid.reset();
  task.ttl.reset();
  machine.tx().put_task(task);
  machine.tx().delete_task_timeout(id);
  return {200, json::object{}};
}

OperationResult task_fence(const JsonFields& fields, OperationContext& context) {
  auto id = required_id(fields, "id", "Task ID");
  auto version = non_negative(fields, "version", "Version");
  const auto& action = fields.object("action");
  const auto* kind = action.if_contains("kind");
  if (kind == nullptr || !kind->is_string() ||
      (kind->get_string() != "promise.create" && kind->get_string() != "promise.settle")) {
    throw InvalidRequest("Invalid fence action kind");
  }
  const bool create = kind->get_string() == "promise.create";
  JsonFields data(action_data(action), "action.data");
  std::optional<PromiseCreation> creation;
  std::optional<Settlement> settlement;
  if (create) {
    creation = parse_creation(data);
  } else {
    settlement = parse_settlement(data);
  }
  const auto& target_id = create ? creation->id : settlement->id;
  if (target_id == id) throw InvalidRequest("A fenced action cannot address the task's own promise");

  auto& machine = context.machine;
  auto task = require_task(machine, id);
  if (!held_at(task, version)) throw Failure(409, "Version mismatch");

  int inner_status = 200;
  json::value inner_data;
  if (create) {
    inner_data = promise_data(machine.create_promise(*creation));
  } else if (auto promise = machine.read_promise(settlement->id); !promise) {
    inner_status = 404;
    inner_data = "Promise not found";
  } else if (!promise->pending()) {
    inner_data = promise_data(*promise);
  } else {
    inner_data = promise_data(machine.settle(*promise, settlement->state, std::move(settlement->value)));
  }

  json::object inner{
      {"kind", kind->get_string()},
      {"head", json::object{{"corrId", context.corr_id}, {"status", inner_status}, {"version", protocol_version}}},
      {"data", std::move(inner_data)}};
  json::array preload;
  if (context.fence_preload) preload = records(machine.preload(require_promise(machine, id)));
  return {200, json::object{{"action", std::move(inner)}, {"preload", std::move(preload)}}};
}

OperationResult task_heartbeat(const JsonFields& fields, OperationContext& context) {
  auto pid = required_id(fields, "pid", "pid");
  const auto& tasks = fields.value("tasks");
  if (!tasks.is_array() || tasks.get_array().empty()) throw InvalidRequest("tasks must be a non-empty array");
  std::vector<std::pair<std::string, std::int64_t>> entries;
  for (const auto& entry : tasks.get_array()) {
    JsonFields entry_fields(entry, "tasks[]");
    entries.emplace_back(required_id(entry_fields, "id", "Task ID"), non_negative(entry_fields, "version", "Version"));
  }
  auto& tx = context.machine.tx();
  for (const auto& [id, version] : entries) {
    auto task = tx.get_task(id);
    if (task && held_at(*task, version) && task->pid == pid && task->ttl) {
      tx.put_task_timeout({id, TaskTimeoutType::lease, wire::deadline_after(context.machine.now(), *task->ttl)});
    }
  }
  return {200, json::object{}};
}

OperationResult task_halt(const JsonFields& fields, OperationContext& context) {
  auto id = required_id(fields, "id", "Task ID");
  auto task = require_task(context.machine, id);
  if (task.state == TaskState::fulfilled) throw Failure(409, "Task is fulfilled");
  if (task.state != TaskState::halted) {
    task.state = TaskState::halted;
    task.pid.reset();
    task.ttl.reset();
    context.machine.tx().put_task(task);
    context.machine.tx().delete_task_timeout(id);
  }
  return {200, json::object{}};
}

OperationResult task_continue(const JsonFields& fields, OperationContext& context) {
  auto id = required_id(fields, "id", "Task ID");
  auto task = require_task(context.machine, id);
  if (task.state != TaskState::halted) throw Failure(409, "Task is not halted");
  context.machine.make_pending(task);
  return {200, json::object{}};
}

OperationResult task_search(const JsonFields& fields, OperationContext& context) {
  TaskQuery query;
  if (auto state = fields.optional_string("state")) {
    query.state = task_state_from(*state);
    if (!query.state) throw InvalidRequest("Invalid state: " + *state);
  }
  query.cursor = fields.optional_string("cursor");
  const auto limit = search_limit(fields, 100);
  query.limit = limit + 1;
  auto rows = context.machine.tx().search_tasks(query);
  return {200, page(std::move(rows), limit, "tasks", [](const Task& t) { return to_json(t); })};
}

// ---- schedules -----------------------------------------------------------------------

OperationResult schedule_create(const JsonFields& fields, OperationContext& context) {
  auto id = required_id(fields, "id", "Schedule ID");
  if (id.find('.') != std::string::npos) throw InvalidRequest("Schedule ID must not contain '.'");
  const auto* cron_text = fields.find("cron");
  if (cron_text == nullptr || !cron_text->is_string() || cron_text->get_string().empty()) {
    throw InvalidRequest("Invalid cron expression");
  }
  auto cron = Cron::parse(cron_text->get_string());
  if (!cron) throw InvalidRequest("Invalid cron expression");

  Schedule schedule;
  schedule.id = id;
  schedule.cron = std::string(cron_text->get_string());
  schedule.promise_id = required_id(fields, "promiseId", "promiseId");
  schedule.promise_timeout = non_negative(fields, "promiseTimeout", "promiseTimeout");
  if (const auto* param = fields.find("promiseParam"); param != nullptr && !param->is_null()) {
    schedule.promise_param = value_from_json(*param, "promiseParam");
  }
  if (const auto* tags = fields.find("promiseTags"); tags != nullptr && !tags->is_null()) {
    schedule.promise_tags = tags_from_json(*tags, "promiseTags");
  }
  if (!schedule.promise_tags.contains(tag::target)) {
    throw InvalidRequest("promiseTags must contain resonate:target");
  }

  auto& tx = context.machine.tx();
  if (auto existing = tx.get_schedule(id)) return {200, json::object{{"schedule", to_json(*existing)}}};
  auto next = cron->next_after(context.machine.now());
  if (!next) throw InvalidRequest("Invalid cron expression: it never fires");
  schedule.created_at = context.machine.now();
  schedule.next_run_at = *next;
  tx.put_schedule(schedule);
  return {200, json::object{{"schedule", to_json(schedule)}}};
}

OperationResult schedule_get(const JsonFields& fields, OperationContext& context) {
  auto id = required_id(fields, "id", "Schedule ID");
  auto schedule = context.machine.tx().get_schedule(id);
  if (!schedule) throw Failure(404, "Schedule not found");
  return {200, json::object{{"schedule", to_json(*schedule)}}};
}

OperationResult schedule_delete(const JsonFields& fields, OperationContext& context) {
  auto id = required_id(fields, "id", "Schedule ID");
  if (!context.machine.tx().delete_schedule(id)) throw Failure(404, "Schedule not found");
  return {200, json::object{}};
}

OperationResult schedule_search(const JsonFields& fields, OperationContext& context) {
  ScheduleQuery query;
  if (const auto* tags = fields.find("tags"); tags != nullptr && !tags->is_null()) {
    query.tags = tags_from_json(*tags, "tags");
  }
  query.cursor = fields.optional_string("cursor");
  const auto limit = search_limit(fields, 10);
  query.limit = limit + 1;
  auto rows = context.machine.tx().search_schedules(query);
  return {200, page(std::move(rows), limit, "schedules", [](const Schedule& s) { return to_json(s); })};
}

using Handler = OperationResult (*)(const JsonFields&, OperationContext&);

const std::unordered_map<std::string_view, Handler>& handlers() {
  static const std::unordered_map<std::string_view, Handler> table{
      {"promise.get", &promise_get},
      {"promise.create", &promise_create},
      {"promise.settle", &promise_settle},
      {"promise.register_callback", &promise_register_callback},
      {"promise.register_listener", &promise_register_listener},
      {"promise.search", &promise_search},
      {"task.get", &task_get},
      {"task.create", &task_create},
      {"task.acquire", &task_acquire},
      {"task.release", &task_release},
      {"task.fulfill", &task_fulfill},
      {"task.suspend", &task_suspend},
      {"task.fence", &task_fence},
      {"task.heartbeat", &task_heartbeat},
      {"task.halt", &task_halt},
      {"task.continue", &task_continue},
      {"task.search", &task_search},
      {"schedule.create", &schedule_create},
      {"schedule.get", &schedule_get},
      {"schedule.delete", &schedule_delete},
      {"schedule.search", &schedule_search},
  };
  return table;
}

}  // namespace

bool is_operation(std::string_view kind) { return handlers().contains(kind); }

OperationResult perform(std::string_view kind, const json::object& data, OperationContext& context) {
  auto handler = handlers().find(kind);
  if (handler == handlers().end()) throw InvalidRequest("Unknown operation: " + std::string(kind));
  JsonFields fields(data, "data");
  return handler->second(fields, context);
}

}  // namespace resonate::core
