#include "server/authorization.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace resonate::server {

namespace json = boost::json;

namespace {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

const json::value* field(const json::value* object, std::string_view name) {
  if (object == nullptr || !object->is_object()) return nullptr;
  return object->get_object().if_contains(name);
}

// The resource ids an operation names, as they must start with the caller's prefix. A required
// id that is absent is pushed as nullptr, which fails the check. nullopt: the kind has no
// checkable ids (search operations, unknown kinds) and is refused.
//
// Beyond the ids §1.3 lists, the ids an operation touches through a nested action are checked
// too (register_callback's awaiter, the awaited ids of task.suspend, the promise task.fence
// creates or settles, schedule.create's own id), so a prefix never lets a caller read or
// change a record outside it.
std::optional<std::vector<const json::value*>> resource_ids(std::string_view kind, const json::value& data) {
  std::vector<const json::value*> ids;
  auto each = [&](const json::value* list, auto pick) {
    if (list == nullptr || !list->is_array()) return;
    for (const auto& entry : list->get_array()) ids.push_back(pick(&entry));
  };

  if (kind == "promise.get" || kind == "promise.create" || kind == "promise.settle" || kind == "task.get" ||
      kind == "task.acquire" || kind == "task.release" || kind == "task.fulfill" || kind == "task.halt" ||
      kind == "task.continue" || kind == "schedule.get" || kind == "schedule.delete") {
    ids.push_back(field(&data, "id"));
  } else if (kind == "promise.register_callback") {
    ids.push_back(field(&data, "awaited"));
    ids.push_back(field(&data, "awaiter"));
  } else if (kind == "promise.register_listener") {
    ids.push_back(field(&data, "awaited"));
  } else if (kind == "task.create") {
    ids.push_back(field(field(field(&data, "action"), "data"), "id"));
  } else if (kind == "task.fence") {
    ids.push_back(field(&data, "id"));
    ids.push_back(field(field(field(&data, "action"), "data"), "id"));
  } else if (kind == "task.suspend") {
    ids.push_back(field(&data, "id"));
    each(field(&data, "actions"), [](const json::value* action) { return field(field(action, "data"), "awaited"); });
  } else if (kind == "task.heartbeat") {
    const auto* tasks = field(&data, "tasks");
    if (tasks == nullptr || !tasks->is_array()) return std::nullopt;
    each(tasks, [](const json::value* task) { return field(task, "id"); });
  } else if (kind == "schedule.create") {
    ids.push_back(field(&data, "id"));
    ids.push_back(field(&data, "promiseId"));
  } else {
    return std::nullopt;
  }
  return ids;
}

}  // namespace

bool claims_permit(const json::object& claims, const json::object& envelope) {
  if (const auto* role = claims.if_contains("role"); role != nullptr && role->is_string() &&
                                                      equals_ignoring_case(role->get_string(), "admin")) {
    return true;
  }
  const auto* prefix = claims.if_contains("prefix");
  if (prefix == nullptr || !prefix->is_string()) return false;
  if (prefix->get_string().empty()) return true;

  const auto* kind = envelope.if_contains("kind");
  const auto* data = envelope.if_contains("data");
  if (kind == nullptr || !kind->is_string() || data == nullptr) return false;
  const auto ids = resource_ids(kind->get_string(), *data);
  if (!ids) return false;
  const std::string_view wanted = prefix->get_string();
  return std::all_of(ids->begin(), ids->end(), [wanted](const json::value* id) {
    return id != nullptr && id->is_string() && std::string_view(id->get_string()).starts_with(wanted);
  });
}

std::optional<std::string_view> bearer_token(std::string_view header) {
  constexpr std::string_view scheme = "bearer ";
  if (header.size() <= scheme.size() || !equals_ignoring_case(header.substr(0, scheme.size()), scheme)) {
    return std::nullopt;
  }
  auto token = header.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  return token;
}

std::pair<int, std::string> Authorizer::authorize(const json::object& envelope, std::string_view authorization_header,
                                                  std::chrono::system_clock::time_point now) const {
  std::optional<std::string_view> token;
  const auto* head = envelope.if_contains("head");
  if (const auto* auth = field(head, "auth"); auth != nullptr && auth->is_string()) {
    token = auth->get_string();
  } else {
    token = bearer_token(authorization_header);
  }
  if (!token) return {401, "Unauthorized"};
  const auto verification = verifier_.verify(*token, now);
  if (!verification.valid) return {401, "Unauthorized"};
  if (!claims_permit(verification.claims, envelope)) return {403, "Forbidden"};
  return {0, ""};
}

bool Authorizer::authenticate_header(std::string_view header, std::chrono::system_clock::time_point now) const {
  const auto token = bearer_token(header);
  return token && verifier_.verify(*token, now).valid;
}

}  // namespace resonate::server
