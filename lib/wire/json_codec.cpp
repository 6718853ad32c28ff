#include "wire/json_codec.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "wire/json_fields.hpp"

namespace resonate::wire {

namespace json = boost::json;

json::object to_json(const Tags& tags) {
  json::object out;
  out.reserve(tags.size());
  for (const auto& [key, value] : tags) out.emplace(key, value);
  return out;
}

json::object to_json(const Value& value) {
  json::object out;
  out.reserve(2);
  if (value.headers) out.emplace("headers", to_json(*value.headers));
  if (value.data) out.emplace("data", *value.data);
  return out;
}

json::object to_json(const Promise& promise) {
  json::object out;
  out.reserve(8);
  out.emplace("id", promise.id);
  out.emplace("state", to_string(promise.state));
  out.emplace("param", to_json(promise.param));
  out.emplace("value", to_json(promise.value));
  out.emplace("tags", to_json(promise.tags));
  out.emplace("timeoutAt", promise.timeout_at);
  out.emplace("createdAt", promise.created_at);
  if (promise.settled_at) out.emplace("settledAt", *promise.settled_at);
  return out;
}

json::object to_json(const Task& task) {
  json::object out;
  out.reserve(6);
  out.emplace("id", task.id);
  out.emplace("state", to_string(task.state));
  out.emplace("version", task.version);
  out.emplace("resumes", task.resumes);
  if (task.ttl) out.emplace("ttl", *task.ttl);
  if (task.pid) out.emplace("pid", *task.pid);
  return out;
}

json::object to_json(const Schedule& schedule) {
  json::object out;
  out.emplace("id", schedule.id);
  out.emplace("cron", schedule.cron);
  out.emplace("promiseId", schedule.promise_id);
  out.emplace("promiseTimeout", schedule.promise_timeout);
  out.emplace("promiseParam", to_json(schedule.promise_param));
  out.emplace("promiseTags", to_json(schedule.promise_tags));
  out.emplace("createdAt", schedule.created_at);
  out.emplace("nextRunAt", schedule.next_run_at);
  if (schedule.last_run_at) out.emplace("lastRunAt", *schedule.last_run_at);
  return out;
}

Tags tags_from_json(const json::value& value, std::string_view what) {
  if (!value.is_object()) throw InvalidRequest("Invalid request: " + std::string(what) + " must be an object");
  // Collected, then sorted once (Tags' vector constructor): inserting one by one into the
  // sorted vector would cost the square of the count, and a request may carry many.
  std::vector<Tags::value_type> pairs;
  pairs.reserve(value.get_object().size());
  for (const auto& [key, item] : value.get_object()) {
    if (!item.is_string()) {
      throw InvalidRequest("Invalid request: " + std::string(what) + "." + std::string(key) +
                           " must be a string");
    }
    pairs.emplace_back(std::string(key), std::string(item.get_string()));
  }
  return Tags(std::move(pairs));
}

Value value_from_json(const json::value& value, std::string_view what) {
  JsonFields fields(value, what);
  Value out;
  if (const auto* headers = fields.find("headers"); headers != nullptr && !headers->is_null()) {
    out.headers = tags_from_json(*headers, std::string(what) + ".headers");
  }
  if (const auto* data = fields.find("data"); data != nullptr && !data->is_null()) {
    if (!data->is_string()) throw InvalidRequest("Invalid request: " + std::string(what) + ".data must be a string");
    out.data = std::string(data->get_string());
  }
  return out;
}

namespace {

template <typename Enum>
Enum state_field(const JsonFields& fields, std::optional<Enum> (*parse)(std::string_view)) {
  auto text = fields.string("state");
  auto state = parse(text);
  if (!state) throw InvalidRequest("Invalid request: unknown state \"" + text + "\"");
  return *state;
}

}  // namespace

namespace {

// ---- liberal reading of records (clients): what implementations differ in ------------------

// Tags as sent; absent, null or not an object reads as none, a non-string value as its JSON text.
Tags lenient_tags(const json::value* value) {
  const auto* object = value != nullptr ? value->if_object() : nullptr;
  if (object == nullptr) return {};
  std::vector<Tags::value_type> pairs;  // sorted once, as tags_from_json's
  pairs.reserve(object->size());
  for (const auto& [key, item] : *object) {
    if (item.is_null()) continue;
    pairs.emplace_back(std::string(key), item.is_string() ? std::string(item.get_string()) : json::serialize(item));
  }
  return Tags(std::move(pairs));
}

// A param or value: absent, null, `{}` or not an object reads as empty; `data` only when a string.
Value lenient_value(const json::value* value) {
  Value out;
  const auto* object = value != nullptr ? value->if_object() : nullptr;
  if (object == nullptr) return out;
  if (const auto* headers = object->if_contains("headers"); headers != nullptr && headers->is_object()) {
    out.headers = lenient_tags(headers);
  }
  if (const auto* data = object->if_contains("data"); data != nullptr && data->is_string()) {
    out.data = std::string(data->get_string());
  }
  return out;
}

const json::value* member(const JsonFields& fields, std::string_view key) {
  const auto* found = fields.find(key);
  return found != nullptr && !found->is_null() ? found : nullptr;
}

std::optional<std::int64_t> lenient_integer(const JsonFields& fields, std::string_view key) {
  return member(fields, key) != nullptr ? fields.optional_integer(key) : std::nullopt;
}

// `resumes` is a count here, an array of the ready callbacks or a boolean elsewhere.
std::int64_t lenient_resumes(const json::value* resumes) {
  if (resumes == nullptr) return 0;
  if (resumes->is_int64()) return resumes->get_int64();
  if (resumes->is_uint64()) return static_cast<std::int64_t>(std::min<std::uint64_t>(resumes->get_uint64(), INT64_MAX));
  if (resumes->is_array()) return static_cast<std::int64_t>(resumes->get_array().size());
  if (resumes->is_bool()) return resumes->get_bool() ? 1 : 0;
  return 0;
}

}  // namespace

Promise promise_from_json(const json::value& value) {
  JsonFields fields(value, "promise");
  Promise out;
  out.id = fields.string("id");
  out.state = state_field<PromiseState>(fields, &promise_state_from);
  out.param = lenient_value(member(fields, "param"));
  out.value = lenient_value(member(fields, "value"));
  out.tags = lenient_tags(member(fields, "tags"));
  out.timeout_at = fields.integer("timeoutAt");
  out.created_at = lenient_integer(fields, "createdAt").value_or(0);
  out.settled_at = lenient_integer(fields, "settledAt");
  return out;
}

Task task_from_json(const json::value& value) {
  JsonFields fields(value, "task");
  Task out;
  out.id = fields.string("id");
  out.state = state_field<TaskState>(fields, &task_state_from);
  out.version = fields.integer("version");
  out.resumes = lenient_resumes(member(fields, "resumes"));
  out.ttl = lenient_integer(fields, "ttl");
  if (const auto* pid = member(fields, "pid"); pid != nullptr && pid->is_string()) out.pid = std::string(pid->get_string());
  return out;
}

Schedule schedule_from_json(const json::value& value) {
  JsonFields fields(value, "schedule");
  Schedule out;
  out.id = fields.string("id");
  out.cron = fields.string("cron");
  out.promise_id = fields.string("promiseId");
  out.promise_timeout = fields.integer("promiseTimeout");
  out.promise_param = lenient_value(member(fields, "promiseParam"));
  out.promise_tags = lenient_tags(member(fields, "promiseTags"));
  out.created_at = lenient_integer(fields, "createdAt").value_or(0);
  out.next_run_at = fields.integer("nextRunAt");
  out.last_run_at = lenient_integer(fields, "lastRunAt");
  return out;
}

std::string to_text(const Value& value) { return json::serialize(to_json(value)); }
std::string to_text(const Tags& tags) { return json::serialize(to_json(tags)); }

Value value_from_text(std::string_view text) { return value_from_json(json::parse(text), "value"); }
Tags tags_from_text(std::string_view text) { return tags_from_json(json::parse(text), "tags"); }

}  // namespace resonate::wire
