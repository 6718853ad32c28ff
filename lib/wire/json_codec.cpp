#include "wire/json_codec.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "wire/json_fields.hpp"

namespace resonate::wire {

namespace json = boost::json;

json::object to_json(const Tags& tags) {
  json::object out;
  for (const auto& [key, value] : tags) out.emplace(key, value);
  return out;
}

json::object to_json(const Value& value) {
  json::object out;
  if (value.headers) out.emplace("headers", to_json(*value.headers));
  if (value.data) out.emplace("data", *value.data);
  return out;
}

json::object to_json(const Promise& promise) {
  json::object out;
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
  Tags tags;
  for (const auto& [key, item] : value.get_object()) {
    if (!item.is_string()) {
      throw InvalidRequest("Invalid request: " + std::string(what) + "." + std::string(key) +
                           " must be a string");
    }
    tags.emplace(std::string(key), std::string(item.get_string()));
  }
  return tags;
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

Promise promise_from_json(const json::value& value) {
  JsonFields fields(value, "promise");
  Promise out;
  out.id = fields.string("id");
  out.state = state_field<PromiseState>(fields, &promise_state_from);
  if (fields.has("param")) out.param = value_from_json(fields.value("param"), "param");
  if (fields.has("value")) out.value = value_from_json(fields.value("value"), "value");
  if (fields.has("tags")) out.tags = tags_from_json(fields.value("tags"), "tags");
  out.timeout_at = fields.integer("timeoutAt");
  out.created_at = fields.integer("createdAt");
  out.settled_at = fields.optional_integer("settledAt");
  return out;
}

Task task_from_json(const json::value& value) {
  JsonFields fields(value, "task");
  Task out;
  out.id = fields.string("id");
  out.state = state_field<TaskState>(fields, &task_state_from);
  out.version = fields.integer("version");
  out.resumes = fields.optional_integer("resumes").value_or(0);
  out.ttl = fields.optional_integer("ttl");
  out.pid = fields.optional_string("pid");
  return out;
}

Schedule schedule_from_json(const json::value& value) {
  JsonFields fields(value, "schedule");
  Schedule out;
  out.id = fields.string("id");
  out.cron = fields.string("cron");
  out.promise_id = fields.string("promiseId");
  out.promise_timeout = fields.integer("promiseTimeout");
  if (fields.has("promiseParam")) out.promise_param = value_from_json(fields.value("promiseParam"), "promiseParam");
  if (fields.has("promiseTags")) out.promise_tags = tags_from_json(fields.value("promiseTags"), "promiseTags");
  out.created_at = fields.integer("createdAt");
  out.next_run_at = fields.integer("nextRunAt");
  out.last_run_at = fields.optional_integer("lastRunAt");
  return out;
}

std::string to_text(const Value& value) { return json::serialize(to_json(value)); }
std::string to_text(const Tags& tags) { return json::serialize(to_json(tags)); }

Value value_from_text(std::string_view text) { return value_from_json(json::parse(text), "value"); }
Tags tags_from_text(std::string_view text) { return tags_from_json(json::parse(text), "tags"); }

}  // namespace resonate::wire
