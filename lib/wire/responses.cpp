#include "wire/responses.hpp"

#include "wire/json_codec.hpp"
#include "wire/json_fields.hpp"

namespace resonate::wire {

namespace json = boost::json;

namespace {

// Records of a search page, and its cursor when more exist.
template <typename Record>
json::object page_json(std::string_view name, const std::vector<Record>& records,
                       const std::optional<std::string>& cursor) {
  json::array items;
  items.reserve(records.size());
  for (const auto& record : records) items.push_back(to_json(record));
  json::object out;
  out.emplace(name, std::move(items));
  if (cursor) out.emplace("cursor", *cursor);
  return out;
}

template <typename Record>
std::vector<Record> records_from_json(const JsonFields& fields, std::string_view name,
                                      Record (*read)(const json::value&)) {
  std::vector<Record> out;
  const auto* items = fields.find(name);
  if (items == nullptr || items->is_null()) return out;
  if (!items->is_array()) throw InvalidRequest("Invalid response: " + std::string(name) + " must be an array");
  out.reserve(items->get_array().size());
  for (const auto& item : items->get_array()) out.push_back(read(item));
  return out;
}

std::optional<std::string> cursor_from(const JsonFields& fields) {
  const auto* cursor = fields.find("cursor");
  if (cursor == nullptr || !cursor->is_string() || cursor->get_string().empty()) return std::nullopt;
  return std::string(cursor->get_string());
}

// Absent, null or not an array: nothing preloaded (the records are only a cache).
PreloadRecords preload_from(const JsonFields& fields) {
  const auto* preload = fields.find("preload");
  return preload != nullptr && preload->is_array() ? preload->get_array() : PreloadRecords{};
}

}  // namespace

PreloadRecords to_json(const std::vector<Promise>& preload) {
  PreloadRecords out;
  out.reserve(preload.size());
  for (const auto& promise : preload) out.push_back(to_json(promise));
  return out;
}

namespace {
// {key: record}, the record moved in (an initializer list would copy it).
json::object holding(std::string_view key, json::object record) {
  json::object out;
  out.emplace(key, std::move(record));
  return out;
}
}  // namespace

json::object to_json(const PromiseResult& result) { return holding("promise", to_json(result.promise)); }
json::object to_json(const TaskResult& result) { return holding("task", to_json(result.task)); }
json::object to_json(const ScheduleResult& result) { return holding("schedule", to_json(result.schedule)); }
json::object to_json(const PromisePage& page) { return page_json("promises", page.promises, page.cursor); }
json::object to_json(const TaskPage& page) { return page_json("tasks", page.tasks, page.cursor); }
json::object to_json(const SchedulePage& page) { return page_json("schedules", page.schedules, page.cursor); }

json::object to_json(AcquiredTask result) {
  json::object out;
  out.reserve(3);
  out.emplace("task", to_json(result.task));
  out.emplace("promise", to_json(result.promise));
  out.emplace("preload", std::move(result.preload));
  return out;
}

json::object to_json(Preload result) {
  json::object out;
  out.emplace("preload", std::move(result.preload));
  return out;
}

json::object to_json(FenceResult result) {
  json::object out;
  out.reserve(2);
  out.emplace("action", to_json(std::move(result.action)));
  out.emplace("preload", std::move(result.preload));
  return out;
}

PromiseResult promise_result_from_json(const json::value& data) {
  return {promise_from_json(JsonFields(data, "data").value("promise"))};
}

TaskResult task_result_from_json(const json::value& data) {
  return {task_from_json(JsonFields(data, "data").value("task"))};
}

ScheduleResult schedule_result_from_json(const json::value& data) {
  return {schedule_from_json(JsonFields(data, "data").value("schedule"))};
}

PromisePage promise_page_from_json(const json::value& data) {
  JsonFields fields(data, "data");
  return {records_from_json<Promise>(fields, "promises", &promise_from_json), cursor_from(fields)};
}

TaskPage task_page_from_json(const json::value& data) {
  JsonFields fields(data, "data");
  return {records_from_json<Task>(fields, "tasks", &task_from_json), cursor_from(fields)};
}

SchedulePage schedule_page_from_json(const json::value& data) {
  JsonFields fields(data, "data");
  return {records_from_json<Schedule>(fields, "schedules", &schedule_from_json), cursor_from(fields)};
}

AcquiredTask acquired_task_from_json(const json::value& data) {
  JsonFields fields(data, "data");
  return {task_from_json(fields.value("task")), promise_from_json(fields.value("promise")), preload_from(fields)};
}

Preload preload_from_json(const json::value& data) { return {preload_from(JsonFields(data, "data"))}; }

FenceResult fence_result_from_json(const json::value& data) {
  JsonFields fields(data, "data");
  return {response_from_json(fields.value("action")), preload_from(fields)};
}

FenceResult fence_result_from_json(json::value&& data) {
  JsonFields fields(data, "data");
  fields.value("action");  // required: throws when absent
  auto& object = data.get_object();
  FenceResult out{response_from_json(std::move(object["action"])), {}};
  if (auto* preload = object.if_contains("preload"); preload && preload->is_array()) {
    out.preload = std::move(preload->get_array());
  }
  return out;
}

}  // namespace resonate::wire
