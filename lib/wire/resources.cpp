#include "wire/resources.hpp"

#include "wire/requests.hpp"

namespace resonate::wire {

namespace json = boost::json;

namespace {

const json::value* field(const json::value* object, std::string_view name) {
  if (object == nullptr || !object->is_object()) return nullptr;
  return object->get_object().if_contains(name);
}

}  // namespace

std::optional<std::vector<const json::value*>> resource_ids(std::string_view kind, const json::value& data) {
  std::vector<const json::value*> ids;
  auto each = [&](const json::value* list, auto pick) {
    if (list == nullptr || !list->is_array()) return;
    for (const auto& entry : list->get_array()) ids.push_back(pick(&entry));
  };

  if (kind == PromiseGet::kind || kind == PromiseCreate::kind || kind == PromiseSettle::kind || kind == TaskGet::kind ||
      kind == TaskAcquire::kind || kind == TaskRelease::kind || kind == TaskFulfill::kind || kind == TaskHalt::kind ||
      kind == TaskContinue::kind || kind == ScheduleGet::kind || kind == ScheduleDelete::kind) {
    ids.push_back(field(&data, "id"));
  } else if (kind == PromiseRegisterCallback::kind) {
    ids.push_back(field(&data, "awaited"));
    ids.push_back(field(&data, "awaiter"));
  } else if (kind == PromiseRegisterListener::kind) {
    ids.push_back(field(&data, "awaited"));
  } else if (kind == TaskCreate::kind) {
    ids.push_back(field(field(field(&data, "action"), "data"), "id"));
  } else if (kind == TaskFence::kind) {
    ids.push_back(field(&data, "id"));
    ids.push_back(field(field(field(&data, "action"), "data"), "id"));
  } else if (kind == TaskSuspend::kind) {
    ids.push_back(field(&data, "id"));
    each(field(&data, "actions"), [](const json::value* action) { return field(field(action, "data"), "awaited"); });
  } else if (kind == TaskHeartbeat::kind) {
    const auto* tasks = field(&data, "tasks");
    if (tasks == nullptr || !tasks->is_array()) return std::nullopt;
    each(tasks, [](const json::value* task) { return field(task, "id"); });
  } else if (kind == ScheduleCreate::kind) {
    ids.push_back(field(&data, "id"));
    ids.push_back(field(&data, "promiseId"));
  } else {
    return std::nullopt;
  }
  return ids;
}

}  // namespace resonate::wire
