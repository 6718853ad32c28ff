#include "wire/requests.hpp"

#include <algorithm>
#include <charconv>
#include <unordered_map>

#include "wire/address.hpp"
#include "wire/cron.hpp"
#include "wire/json_codec.hpp"
#include "wire/json_fields.hpp"
#include "wire/lineage.hpp"

namespace resonate::wire {

namespace json = boost::json;

namespace {

constexpr std::int64_t max_search_limit = 1000;

// ---- reading ---------------------------------------------------------------------------

// What an id must be once it is a string.
void check_id(const std::string& id, std::string_view label) {
  if (id.empty()) throw InvalidRequest(std::string(label) + " is required");
  if (id.find('\0') != std::string::npos) throw InvalidRequest(std::string(label) + " must not contain NUL");
}

void check_non_negative(std::int64_t value, std::string_view label) {
  if (value < 0) throw InvalidRequest(std::string(label) + " must be a non-negative integer");
}

std::string required_id(const JsonFields& fields, std::string_view key, std::string_view label) {
  const auto* found = fields.find(key);
  if (found == nullptr) throw InvalidRequest(std::string(label) + " is required");
  if (!found->is_string()) throw InvalidRequest(std::string(label) + " must be a string");
  std::string id(found->get_string());
  check_id(id, label);
  return id;
}

std::int64_t non_negative(const JsonFields& fields, std::string_view key, std::string_view label) {
  if (!fields.has(key)) throw InvalidRequest(std::string(label) + " is required");
  auto value = fields.integer(key);
  check_non_negative(value, label);
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

Value optional_value(const JsonFields& fields, std::string_view key) {
  const auto* found = fields.find(key);
  if (found == nullptr || found->is_null()) return {};
  return value_from_json(*found, key);
}

Tags optional_tags(const JsonFields& fields, std::string_view key) {
  const auto* found = fields.find(key);
  if (found == nullptr || found->is_null()) return {};
  return tags_from_json(*found, key);
}

std::size_t search_limit(const JsonFields& fields, std::size_t fallback) {
  if (!fields.has("limit")) return fallback;
  auto limit = fields.integer("limit");
  if (limit < 1 || limit > max_search_limit) throw InvalidRequest("Invalid 'limit' \u2014 must be between 1 and 1000");
  return static_cast<std::size_t>(limit);
}

// The data of an action nested in a request (task.create, task.fulfill, task.fence).
JsonFields action_data(const json::object& action) {
  const auto* data = action.if_contains("data");
  if (data == nullptr) throw InvalidRequest("Invalid request: action.data is required");
  return JsonFields(*data, "action.data");
}

// The checks of a creation past its fields' types: lineage, target, delay.
void check_creation_tags(const PromiseCreate& creation) {
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
}

PromiseCreate read_creation(const JsonFields& fields) {
  PromiseCreate creation;
  creation.id = required_id(fields, "id", "Promise ID");
  creation.timeout_at = non_negative(fields, "timeoutAt", "timeoutAt");
  creation.param = optional_value(fields, "param");
  creation.tags = optional_tags(fields, "tags");
  check_creation_tags(creation);
  return creation;
}

bool settles(PromiseState state) {
  return state != PromiseState::pending && state != PromiseState::rejected_timedout;
}

const std::string& action_target(const std::variant<PromiseCreate, PromiseSettle>& action) {
  return std::visit([](const auto& inner) -> const std::string& { return inner.id; }, action);
}

PromiseSettle read_settlement(const JsonFields& fields) {
  PromiseSettle settlement;
  settlement.id = required_id(fields, "id", "Promise ID");
  auto state = promise_state_from(fields.string("state"));
  if (!state || !settles(*state)) {
    throw InvalidRequest("Invalid state: must be one of resolved, rejected, rejected_canceled");
  }
  settlement.state = *state;
  settlement.value = optional_value(fields, "value");
  return settlement;
}

template <typename Enum>
std::optional<Enum> optional_state(const JsonFields& fields, std::optional<Enum> (*parse)(std::string_view)) {
  auto text = fields.optional_string("state");
  if (!text) return std::nullopt;
  auto state = parse(*text);
  if (!state) throw InvalidRequest("Invalid state: " + *text);
  return state;
}

// One reader per kind, chosen by overload on the request type.
PromiseGet read(const JsonFields& fields, std::type_identity<PromiseGet>) {
  return {required_id(fields, "id", "Promise ID")};
}

PromiseCreate read(const JsonFields& fields, std::type_identity<PromiseCreate>) { return read_creation(fields); }

PromiseSettle read(const JsonFields& fields, std::type_identity<PromiseSettle>) { return read_settlement(fields); }

PromiseRegisterCallback read(const JsonFields& fields, std::type_identity<PromiseRegisterCallback>) {
  PromiseRegisterCallback out;
  out.awaited = required_id(fields, "awaited", "Awaited promise ID");
  out.awaiter = required_id(fields, "awaiter", "Awaiter promise ID");
  if (out.awaited == out.awaiter) throw InvalidRequest("A promise cannot await itself");
  return out;
}

PromiseRegisterListener read(const JsonFields& fields, std::type_identity<PromiseRegisterListener>) {
  PromiseRegisterListener out;
  out.awaited = required_id(fields, "awaited", "Awaited promise ID");
  const auto* address = fields.find("address");
  if (address == nullptr || !address->is_string() || !parse_address(address->get_string())) {
    throw InvalidRequest("Invalid listener address");
  }
  out.address = address->get_string();
  return out;
}

PromiseSearch read(const JsonFields& fields, std::type_identity<PromiseSearch>) {
  PromiseSearch out;
  out.state = optional_state<PromiseState>(fields, &promise_state_from);
  out.tags = optional_tags(fields, "tags");
  out.cursor = fields.optional_string("cursor");
  out.limit = search_limit(fields, out.limit);
  return out;
}

TaskGet read(const JsonFields& fields, std::type_identity<TaskGet>) { return {required_id(fields, "id", "Task ID")}; }

TaskCreate read(const JsonFields& fields, std::type_identity<TaskCreate>) {
  TaskCreate out;
  out.pid = required_id(fields, "pid", "pid");
  out.ttl = positive(fields, "ttl", "ttl");
  const auto& action = fields.object("action");
  if (!action.contains("head")) throw InvalidRequest("Invalid request: action.head is required");
  out.action = read_creation(action_data(action));
  if (!out.action.tags.contains(tag::target)) throw InvalidRequest("task.create requires a resonate:target tag");
  if (out.action.tags.contains(tag::delay)) throw InvalidRequest("task.create does not accept resonate:delay");
  return out;
}

TaskAcquire read(const JsonFields& fields, std::type_identity<TaskAcquire>) {
  TaskAcquire out;
  out.id = required_id(fields, "id", "Task ID");
  out.version = non_negative(fields, "version", "Version");
  out.pid = required_id(fields, "pid", "pid");
  out.ttl = positive(fields, "ttl", "ttl");
  return out;
}

TaskRelease read(const JsonFields& fields, std::type_identity<TaskRelease>) {
  return {required_id(fields, "id", "Task ID"), non_negative(fields, "version", "Version")};
}

TaskFulfill read(const JsonFields& fields, std::type_identity<TaskFulfill>) {
  TaskFulfill out;
  out.id = required_id(fields, "id", "Task ID");
  out.version = non_negative(fields, "version", "Version");
  out.action = read_settlement(action_data(fields.object("action")));
  if (out.action.id != out.id) throw InvalidRequest("The settled promise must be the task's own promise");
  return out;
}

TaskSuspend read(const JsonFields& fields, std::type_identity<TaskSuspend>) {
  TaskSuspend out;
  out.id = required_id(fields, "id", "Task ID");
  out.version = non_negative(fields, "version", "Version");
  const auto& actions = fields.value("actions");
  if (!actions.is_array() || actions.get_array().empty()) {
    throw InvalidRequest("actions must be a non-empty array");
  }
  for (const auto& action : actions.get_array()) {
    JsonFields action_fields(action, "action");
    JsonFields data(action_fields.value("data"), "action.data");
    auto awaiter = required_id(data, "awaiter", "Awaiter promise ID");
    auto awaited = required_id(data, "awaited", "Awaited promise ID");
    if (awaiter != out.id) throw InvalidRequest("Every awaiter must be the suspending task");
    if (awaited == out.id) throw InvalidRequest("A task cannot await its own promise");
    out.awaited.push_back(std::move(awaited));
  }
  return out;
}

TaskFence read(const JsonFields& fields, std::type_identity<TaskFence>) {
  TaskFence out;
  out.id = required_id(fields, "id", "Task ID");
  out.version = non_negative(fields, "version", "Version");
  const auto& action = fields.object("action");
  const auto* kind = action.if_contains("kind");
  if (kind != nullptr && kind->is_string() && kind->get_string() == PromiseCreate::kind) {
    out.action = read_creation(action_data(action));
  } else if (kind != nullptr && kind->is_string() && kind->get_string() == PromiseSettle::kind) {
    out.action = read_settlement(action_data(action));
  } else {
    throw InvalidRequest("Invalid fence action kind");
  }
  if (action_target(out.action) == out.id) throw InvalidRequest("A fenced action cannot address the task's own promise");
  return out;
}

TaskHeartbeat read(const JsonFields& fields, std::type_identity<TaskHeartbeat>) {
  TaskHeartbeat out;
  out.pid = required_id(fields, "pid", "pid");
  const auto& tasks = fields.value("tasks");
  if (!tasks.is_array() || tasks.get_array().empty()) throw InvalidRequest("tasks must be a non-empty array");
  for (const auto& entry : tasks.get_array()) {
    JsonFields entry_fields(entry, "tasks[]");
    out.tasks.push_back({required_id(entry_fields, "id", "Task ID"), non_negative(entry_fields, "version", "Version")});
  }
  return out;
}

TaskHalt read(const JsonFields& fields, std::type_identity<TaskHalt>) { return {required_id(fields, "id", "Task ID")}; }

TaskContinue read(const JsonFields& fields, std::type_identity<TaskContinue>) {
  return {required_id(fields, "id", "Task ID")};
}

TaskSearch read(const JsonFields& fields, std::type_identity<TaskSearch>) {
  TaskSearch out;
  out.state = optional_state<TaskState>(fields, &task_state_from);
  out.cursor = fields.optional_string("cursor");
  out.limit = search_limit(fields, out.limit);
  return out;
}

ScheduleCreate read(const JsonFields& fields, std::type_identity<ScheduleCreate>) {
  ScheduleCreate out;
  out.id = required_id(fields, "id", "Schedule ID");
  if (out.id.find('.') != std::string::npos) throw InvalidRequest("Schedule ID must not contain '.'");
  const auto* cron = fields.find("cron");
  if (cron == nullptr || !cron->is_string() || cron->get_string().empty() || !Cron::parse(cron->get_string())) {
    throw InvalidRequest("Invalid cron expression");
  }
  out.cron = cron->get_string();
  out.promise_id = required_id(fields, "promiseId", "promiseId");
  out.promise_timeout = non_negative(fields, "promiseTimeout", "promiseTimeout");
  out.promise_param = optional_value(fields, "promiseParam");
  out.promise_tags = optional_tags(fields, "promiseTags");
  if (!out.promise_tags.contains(tag::target)) throw InvalidRequest("promiseTags must contain resonate:target");
  return out;
}

ScheduleGet read(const JsonFields& fields, std::type_identity<ScheduleGet>) {
  return {required_id(fields, "id", "Schedule ID")};
}

ScheduleDelete read(const JsonFields& fields, std::type_identity<ScheduleDelete>) {
  return {required_id(fields, "id", "Schedule ID")};
}

ScheduleSearch read(const JsonFields& fields, std::type_identity<ScheduleSearch>) {
  ScheduleSearch out;
  out.tags = optional_tags(fields, "tags");
  out.cursor = fields.optional_string("cursor");
  out.limit = search_limit(fields, out.limit);
  return out;
}

// The kind → reader table, from the alternatives of Request.
using ReadRequest = Request (*)(const JsonFields&);

template <typename... Kinds>
std::unordered_map<std::string_view, ReadRequest> make_readers(std::type_identity<std::variant<Kinds...>>) {
  return {{Kinds::kind,
           [](const JsonFields& fields) -> Request { return read(fields, std::type_identity<Kinds>{}); }}...};
}

const std::unordered_map<std::string_view, ReadRequest>& readers() {
  static const auto table = make_readers(std::type_identity<Request>{});
  return table;
}

// ---- writing ---------------------------------------------------------------------------

// A nested action: an envelope without status, its corrId naming the request it rides in.
json::object action(std::string_view kind, std::string corr_id, json::object data) {
  json::object out;
  out.reserve(3);
  out.emplace("kind", kind);
  out.emplace("head", json::object{{"corrId", std::move(corr_id)}, {"version", protocol_version}});
  out.emplace("data", std::move(data));  // emplace moves; an initializer list would copy
  return out;
}

void put_search(json::object& out, const std::optional<std::string>& cursor, std::size_t limit) {
  out.emplace("limit", limit);
  if (cursor) out.emplace("cursor", *cursor);
}

}  // namespace

bool is_request_kind(std::string_view kind) { return readers().contains(kind); }

void check(const TaskFence& request) {
  check_id(request.id, "Task ID");
  check_non_negative(request.version, "Version");
  if (const auto* creation = std::get_if<PromiseCreate>(&request.action)) {
    check_id(creation->id, "Promise ID");
    check_non_negative(creation->timeout_at, "timeoutAt");
    check_creation_tags(*creation);
  } else {
    const auto& settlement = std::get<PromiseSettle>(request.action);
    check_id(settlement.id, "Promise ID");
    if (!settles(settlement.state)) throw InvalidRequest("Invalid state: must be one of resolved, rejected, rejected_canceled");
  }
  if (action_target(request.action) == request.id) {
    throw InvalidRequest("A fenced action cannot address the task's own promise");
  }
}

Request request_from_json(std::string_view kind, const json::object& data) {
  auto reader = readers().find(kind);
  if (reader == readers().end()) throw InvalidRequest("Unknown operation: " + std::string(kind));
  return reader->second(JsonFields(data, "data"));
}

json::object to_json(const PromiseGet& request) { return {{"id", request.id}}; }

// (Nested objects are emplaced, not written in an initializer list, which would copy them.)
json::object to_json(const PromiseCreate& request) {
  json::object out;
  out.reserve(4);
  out.emplace("id", request.id);
  out.emplace("timeoutAt", request.timeout_at);
  out.emplace("param", to_json(request.param));
  out.emplace("tags", to_json(request.tags));
  return out;
}

json::object to_json(const PromiseSettle& request) {
  json::object out;
  out.reserve(3);
  out.emplace("id", request.id);
  out.emplace("state", to_string(request.state));
  out.emplace("value", to_json(request.value));
  return out;
}

json::object to_json(const PromiseRegisterCallback& request) {
  return {{"awaited", request.awaited}, {"awaiter", request.awaiter}};
}

json::object to_json(const PromiseRegisterListener& request) {
  return {{"awaited", request.awaited}, {"address", request.address}};
}

json::object to_json(const PromiseSearch& request) {
  json::object out;
  if (request.state) out.emplace("state", to_string(*request.state));
  if (!request.tags.empty()) out.emplace("tags", to_json(request.tags));
  put_search(out, request.cursor, request.limit);
  return out;
}

json::object to_json(const TaskGet& request) { return {{"id", request.id}}; }

json::object to_json(const TaskCreate& request) {
  json::object out;
  out.reserve(3);
  out.emplace("pid", request.pid);
  out.emplace("ttl", request.ttl);
  out.emplace("action", action(PromiseCreate::kind, request.action.id + "/create", to_json(request.action)));
  return out;
}

json::object to_json(const TaskAcquire& request) {
  return {{"id", request.id}, {"version", request.version}, {"pid", request.pid}, {"ttl", request.ttl}};
}

json::object to_json(const TaskRelease& request) { return {{"id", request.id}, {"version", request.version}}; }

json::object to_json(const TaskFulfill& request) {
  json::object out;
  out.reserve(3);
  out.emplace("id", request.id);
  out.emplace("version", request.version);
  out.emplace("action", action(PromiseSettle::kind, request.id + "/fulfill", to_json(request.action)));
  return out;
}

json::object to_json(const TaskSuspend& request) {
  json::array actions;
  actions.reserve(request.awaited.size());
  for (const auto& awaited : request.awaited) {
    actions.push_back(action(PromiseRegisterCallback::kind, request.id + "/suspend",
                             to_json(PromiseRegisterCallback{awaited, request.id})));
  }
  json::object out;
  out.reserve(3);
  out.emplace("id", request.id);
  out.emplace("version", request.version);
  out.emplace("actions", std::move(actions));
  return out;
}

json::object to_json(const TaskFence& request) {
  auto inner = std::visit(
      [&](const auto& fenced) {
        using Fenced = std::decay_t<decltype(fenced)>;
        return action(Fenced::kind, request.id + "/" + std::string(Fenced::kind), to_json(fenced));
      },
      request.action);
  json::object out;
  out.reserve(3);
  out.emplace("id", request.id);
  out.emplace("version", request.version);
  out.emplace("action", std::move(inner));
  return out;
}

json::object to_json(const TaskHeartbeat& request) {
  json::array tasks;
  tasks.reserve(request.tasks.size());
  for (const auto& task : request.tasks) tasks.push_back(json::object{{"id", task.id}, {"version", task.version}});
  return {{"pid", request.pid}, {"tasks", std::move(tasks)}};
}

json::object to_json(const TaskHalt& request) { return {{"id", request.id}}; }

json::object to_json(const TaskContinue& request) { return {{"id", request.id}}; }

json::object to_json(const TaskSearch& request) {
  json::object out;
  if (request.state) out.emplace("state", to_string(*request.state));
  put_search(out, request.cursor, request.limit);
  return out;
}

json::object to_json(const ScheduleCreate& request) {
  return {{"id", request.id},
          {"cron", request.cron},
          {"promiseId", request.promise_id},
          {"promiseTimeout", request.promise_timeout},
          {"promiseParam", to_json(request.promise_param)},
          {"promiseTags", to_json(request.promise_tags)}};
}

json::object to_json(const ScheduleGet& request) { return {{"id", request.id}}; }

json::object to_json(const ScheduleDelete& request) { return {{"id", request.id}}; }

json::object to_json(const ScheduleSearch& request) {
  json::object out;
  if (!request.tags.empty()) out.emplace("tags", to_json(request.tags));
  put_search(out, request.cursor, request.limit);
  return out;
}

}  // namespace resonate::wire
