#include "invariants.hpp"

#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace resonate::fuzz {
namespace json = boost::json;
namespace {

const json::array& list(const json::object& snapshot, std::string_view name) {
  static const json::array empty;
  const auto* value = snapshot.if_contains(name);
  return value != nullptr && value->is_array() ? value->get_array() : empty;
}

const json::object* with_id(const json::array& records, const json::value& id) {
  for (const auto& record : records) {
    if (record.is_object() && record.get_object().at("id") == id) return &record.get_object();
  }
  return nullptr;
}

std::string text(const json::value& value) { return json::serialize(value); }

bool is_pending(const json::object& promise) { return promise.at("state") == json::value("pending"); }

bool has_target(const json::object& promise) {
  const auto* tags = promise.if_contains("tags");
  return tags != nullptr && tags->is_object() && tags->get_object().contains("resonate:target");
}

std::string promise_violation(const json::object& before, const json::object& after) {
  const auto& promises_after = list(after, "promises");
  for (const auto& record : list(before, "promises")) {
    const auto& promise = record.get_object();
    const auto* now = with_id(promises_after, promise.at("id"));
    if (now == nullptr) return "promise " + text(promise.at("id")) + " disappeared";
    if (is_pending(promise)) continue;
    for (const char* field : {"state", "value", "settledAt", "param", "tags", "timeoutAt", "createdAt"}) {
      if (promise.if_contains(field) == nullptr || now->if_contains(field) == nullptr ||
          promise.at(field) != now->at(field)) {
        return std::string("settled promise changed its ") + field + ": " + text(promise) + " became " + text(*now);
      }
    }
  }
  for (const auto& record : promises_after) {
    const auto& promise = record.get_object();
    if (is_pending(promise) == promise.contains("settledAt")) {
      return "settledAt must be present exactly when settled (§2.2): " + text(promise);
    }
  }
  for (const auto& entry : list(after, "promiseTimeouts")) {
    const auto* promise = with_id(promises_after, entry.at("id"));
    // §2.5 keeps entries for promises with a target only; this server also keeps one for an
    // awaited promise without a target, so that its awaiters wake at its deadline
    // (docs/protocol.md). Either way the promise is pending.
    if (promise == nullptr || !is_pending(*promise)) {
      return "promise timeout " + text(entry) + " for a promise that is not pending (§2.5)";
    }
  }
  return {};
}

std::string task_violation(const json::object& before, const json::object& after) {
  const auto& tasks_after = list(after, "tasks");
  for (const auto& record : list(before, "tasks")) {
    const auto* now = with_id(tasks_after, record.at("id"));
    if (now == nullptr) return "task " + text(record.at("id")) + " disappeared";
    if (now->at("version").as_int64() < record.at("version").as_int64()) {
      return "task version decreased (§4.3): " + text(record) + " became " + text(*now);
    }
  }
  const auto& promises = list(after, "promises");
  const auto& timeouts = list(after, "taskTimeouts");
  for (const auto& record : tasks_after) {
    const auto& task = record.get_object();
    const auto& state = task.at("state").as_string();
    const bool acquired = state == "acquired";
    if (task.contains("ttl") != acquired || task.contains("pid") != acquired) {
      return "ttl and pid must be present exactly while acquired (§2.3): " + text(task);
    }
    const auto* promise = with_id(promises, task.at("id"));
    if (promise == nullptr || !has_target(*promise)) return "task without a promise carrying a target (§2.3): " + text(task);
    if ((state == "fulfilled") == is_pending(*promise)) {
      return "task must be fulfilled exactly when its promise is settled (§4.1): " + text(task) + " / " + text(*promise);
    }
    std::vector<std::int64_t> timer_types;
    for (const auto& entry : timeouts) {
      if (entry.at("id") == task.at("id")) timer_types.push_back(entry.at("type").as_int64());
    }
    if (timer_types.size() > 1) return "more than one task timeout (§2.5) for " + text(task);
    const std::int64_t expected = state == "pending" ? 0 : acquired ? 1 : -1;
    const std::int64_t actual = timer_types.empty() ? -1 : timer_types.front();
    if (actual != expected) {
      return "task timer type " + std::to_string(actual) + " (-1: none) does not match the task state (§4.3): " + text(task);
    }
  }
  return {};
}

}  // namespace

std::string envelope_violation(const json::value& request, const json::object& response) {
  const auto* kind = response.if_contains("kind");
  const auto* head = response.if_contains("head");
  const auto* data = response.if_contains("data");
  if (kind == nullptr || head == nullptr || data == nullptr || response.size() != 3 || !kind->is_string() ||
      !head->is_object()) {
    return "response is not an envelope {kind, head, data}: " + text(response);
  }
  const auto* status = head->get_object().if_contains("status");
  const auto* corr_id = head->get_object().if_contains("corrId");
  if (status == nullptr || !status->is_int64() || corr_id == nullptr || !corr_id->is_string() ||
      head->get_object().if_contains("version") == nullptr ||
      head->get_object().at("version") != json::value("2026-04-01")) {
    return "response head lacks an integer status, a string corrId or the protocol version: " + text(response);
  }
  if (const auto* object = request.if_object()) {
    const auto* request_kind = object->if_contains("kind");
    if (request_kind != nullptr && request_kind->is_string() && !request_kind->get_string().empty() && *request_kind != *kind) {
      return "response kind does not echo the request: " + text(response);
    }
    const auto* request_head = object->if_contains("head");
    if (request_head != nullptr && request_head->is_object()) {
      const auto* request_corr = request_head->get_object().if_contains("corrId");
      if (request_corr != nullptr && request_corr->is_string() && *request_corr != *corr_id) {
        return "response corrId does not echo the request: " + text(response);
      }
    }
  }
  constexpr std::array<std::int64_t, 6> protocol_statuses = {200, 300, 400, 404, 409, 422};
  const auto code = status->get_int64();
  if (std::find(protocol_statuses.begin(), protocol_statuses.end(), code) == protocol_statuses.end()) {
    return "status " + std::to_string(code) + " is not a protocol answer: " + text(response);
  }
  if (code == 300 && *kind != json::value("task.suspend")) return "300 outside task.suspend: " + text(response);
  if (data->is_string() != (code >= 400)) return "data must be a string exactly on errors (§1.2): " + text(response);
  return {};
}

std::string state_violation(const json::object& before, const json::object& after) {
  if (auto violation = promise_violation(before, after); !violation.empty()) return violation;
  return task_violation(before, after);
}

json::object canonical(const json::object& snapshot) {
  json::object result = snapshot;
  for (auto& entry : result) {
    if (!entry.value().is_array()) continue;
    auto& array = entry.value().get_array();
    std::vector<std::string> texts;
    for (const auto& element : array) texts.push_back(text(element));
    std::sort(texts.begin(), texts.end());
    json::array sorted;
    for (const auto& element : texts) sorted.push_back(json::parse(element));
    array = std::move(sorted);
  }
  return result;
}

}  // namespace resonate::fuzz
