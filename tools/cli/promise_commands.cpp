// resonate promises get|list|create|resolve|reject|cancel
#include <cstdio>

#include "commands.hpp"
#include "values.hpp"
#include "wire/clock.hpp"

namespace resonate::cli {

namespace json = boost::json;

namespace {

constexpr auto default_promise_timeout = std::chrono::hours(24);  // the SDKs' default

std::string state_of(const json::object& promise) {
  const auto* state = promise.if_contains("state");
  return state && state->is_string() ? std::string(state->get_string()) : "unknown";
}

const json::value* data_member(const json::object& record, std::string_view member) {
  const auto* value = record.if_contains(member);
  const auto* object = value ? value->if_object() : nullptr;
  return object ? object->if_contains("data") : nullptr;
}

bool same_data(const json::value* left, const json::value* right) {
  if (!left || !right) return !left && !right;
  return *left == *right;
}

// --state for promise searches; the short names of the rejected states are accepted too.
wire::PromiseState promise_state_flag(const std::string& text) {
  if (auto state = wire::promise_state_from(text)) return *state;
  if (text == "canceled" || text == "cancelled") return wire::PromiseState::rejected_canceled;
  if (text == "timedout" || text == "timed_out") return wire::PromiseState::rejected_timedout;
  throw UsageError("--state must be pending, resolved, rejected, rejected_canceled or rejected_timedout: " + text);
}

// Glob match for --id: '*' matches any run of characters, '?' any one character.
bool matches_pattern(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// Settles the promise and checks it is now in `state` with this value: a promise that was
// already settled otherwise is a conflict (the server answers such a settle with the
// stored record, unchanged).
int settle(const CommandInput& input, Client& client, wire::PromiseState state, wire::Value value) {
  const auto& id = input.operands[0];
  const wire::PromiseSettle request{id, state, value};
  auto answer = client.call_ok(request, promise_subject(id));
  const auto& promise = promise_in(answer);
  const auto actual = state_of(promise);
  if (actual != wire::to_string(state)) {
    throw CommandError("conflict: " + promise_subject(id) + " is already " + actual);
  }
  const json::value sent = value.data ? json::value(*value.data) : json::value();
  if (!same_data(value.data ? &sent : nullptr, data_member(promise, "value"))) {
    throw CommandError("conflict: " + promise_subject(id) + " is already " + actual + " with a different value");
  }
  print_json(present_promise(promise));
  return 0;
}

}  // namespace

int promises_get(const CommandInput& input, Client& client) {
  const auto& id = input.operands[0];
  if (input.arguments.has("--wait")) {
    print_json(present_promise(wait_until_settled(client, id)));
    return 0;
  }
  auto answer = client.call_ok(wire::PromiseGet{id}, promise_subject(id));
  print_json(present_promise(promise_in(answer)));
  return 0;
}

int promises_list(const CommandInput& input, Client& client) {
  const auto& arguments = input.arguments;
  const auto limit = limit_flag(arguments, 100, 1000000);
  const auto pattern = arguments.value("--id");
  wire::PromiseSearch query;
  if (const auto state = arguments.value("--state")) query.state = promise_state_flag(*state);
  query.tags = tags_of(arguments.values("--tag"));
  std::optional<std::string> cursor = arguments.value("--cursor");

  json::array found;
  std::optional<std::string> next;  // where a later `list --cursor` would go on
  for (;;) {
    // Without an id filter every row counts, so ask for just what is missing.
    const auto wanted = static_cast<std::int64_t>(limit - static_cast<std::int64_t>(found.size()));
    query.limit = static_cast<std::size_t>(pattern ? std::int64_t{1000} : std::min<std::int64_t>(wanted, 1000));
    query.cursor = cursor;
    auto answer = client.call_ok(query, "the promise search");
    const auto* rows = answer.if_contains("promises");
    if (rows && rows->is_array()) {
      for (const auto& row : rows->get_array()) {
        const auto* id = row.is_object() ? row.get_object().if_contains("id") : nullptr;
        if (pattern && !(id && id->is_string() && matches_pattern(*pattern, id->get_string()))) continue;
        if (static_cast<std::int64_t>(found.size()) == limit) {
          // One match more than asked for: the page ends at the previous one.
          next = std::string(found.back().as_object().at("id").as_string());
          break;
        }
        found.push_back(present_promise(row));
      }
    }
    if (next) break;
    const auto* more = answer.if_contains("cursor");
    if (!more || !more->is_string()) break;
    cursor = std::string(more->get_string());
    if (static_cast<std::int64_t>(found.size()) == limit) {
      next = cursor;
      break;
    }
  }
  json::object out{{"promises", std::move(found)}};
  if (next) out["cursor"] = *next;
  print_json(out);
  return 0;
}

int promises_create(const CommandInput& input, Client& client) {
  const auto& arguments = input.arguments;
  const auto& id = input.operands[0];
  const auto timeout_at =
      wire::deadline_after(wire::epoch_ms_now(), timeout_flag(arguments, default_promise_timeout));
  wire::PromiseCreate request{id, timeout_at, {}, tags_of(arguments.values("--tag"))};
  std::optional<json::value> param_data;
  if (const auto text = arguments.value("--data")) {
    request.param = encode_value(parse_json_flag("--data", *text));
    param_data = json::value(*request.param.data);
  }
  const auto& tags = request.tags;
  auto answer = client.call_ok(request, promise_subject(id));
  const auto& promise = promise_in(answer);

  // promise.create answers an existing id with the stored record: tell it apart from ours.
  bool ours = false;
  if (const auto* stored = promise.if_contains("timeoutAt"); stored && stored->is_int64()) {
    ours = stored->get_int64() == timeout_at;
  }
  ours = ours && same_data(param_data ? &*param_data : nullptr, data_member(promise, "param"));
  if (const auto* stored_tags = promise.if_contains("tags"); ours && stored_tags && stored_tags->is_object()) {
    for (const auto& [key, value] : tags) {
      const auto* stored_value = stored_tags->get_object().if_contains(key);
      ours = ours && stored_value && *stored_value == json::value(value);
    }
  }
  if (!ours) throw CommandError("conflict: " + promise_subject(id) + " already exists (" + state_of(promise) + ")");
  print_json(present_promise(promise));
  return 0;
}

int promises_resolve(const CommandInput& input, Client& client) {
  const auto text = input.arguments.value("--data");
  return settle(input, client, wire::PromiseState::resolved,
                text ? encode_value(parse_json_flag("--data", *text)) : wire::Value{});
}

int promises_reject(const CommandInput& input, Client& client) {
  const auto text = input.arguments.value("--data");
  // Without --data, an error as the SDKs write one, so an awaiting function throws it.
  const json::value reason = text ? parse_json_flag("--data", *text)
                                  : json::value(json::object{{"__type", "error"},
                                                             {"name", "Error"},
                                                             {"message", "rejected with the resonate CLI"},
                                                             {"stack", ""}});
  return settle(input, client, wire::PromiseState::rejected, encode_value(reason));
}

int promises_cancel(const CommandInput& input, Client& client) {
  return settle(input, client, wire::PromiseState::rejected_canceled, wire::Value{});
}

}  // namespace resonate::cli
