#include "wire/messages.hpp"

#include "wire/json_codec.hpp"

namespace resonate::wire {

namespace json = boost::json;

namespace {

json::object message(std::string_view kind, json::object data) {
  json::object out;
  out.emplace("kind", kind);
  out.emplace("head", json::object{});
  out.emplace("data", std::move(data));
  return out;
}

const json::object* member_object(const json::object* object, std::string_view name) {
  const auto* member = object != nullptr ? object->if_contains(name) : nullptr;
  return member != nullptr ? member->if_object() : nullptr;
}

}  // namespace

json::object to_json(const ExecuteMessage& execute) {
  return message(ExecuteMessage::kind,
                 json::object{{"task", json::object{{"id", execute.task_id}, {"version", execute.version}}}});
}

json::object to_json(const UnblockMessage& unblock) {
  return message(UnblockMessage::kind, json::object{{"promise", to_json(unblock.promise)}});
}

std::optional<Message> message_from_json(const json::value& value) {
  const auto* object = value.if_object();
  const auto* kind = object != nullptr ? object->if_contains("kind") : nullptr;
  const auto* data = member_object(object, "data");
  if (kind == nullptr || !kind->is_string() || data == nullptr) return std::nullopt;
  if (kind->get_string() == ExecuteMessage::kind) {
    const auto* task = member_object(data, "task");
    const auto* id = task != nullptr ? task->if_contains("id") : nullptr;
    const auto* version = task != nullptr ? task->if_contains("version") : nullptr;
    if (id == nullptr || !id->is_string() || version == nullptr || !version->is_int64()) return std::nullopt;
    return ExecuteMessage{std::string(id->get_string()), version->get_int64()};
  }
  if (kind->get_string() == UnblockMessage::kind) {
    const auto* promise = member_object(data, "promise");
    const auto* id = promise != nullptr ? promise->if_contains("id") : nullptr;
    if (id == nullptr || !id->is_string()) return std::nullopt;
    UnblockMessage unblock;
    // The whole record when it reads as one (a settled record spares the waiter a request);
    // else the id alone, which is all a waiter needs to ask for it.
    try {
      unblock.promise = promise_from_json(json::value(*promise));
    } catch (const std::exception&) {
      unblock.promise = Promise{};
    }
    unblock.promise.id = id->get_string();
    return unblock;
  }
  return std::nullopt;
}

}  // namespace resonate::wire
