#include "call_tree.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <map>
#include <string_view>

#include "wire/lineage.hpp"

namespace resonate::cli {

namespace json = boost::json;

namespace {

std::string_view string_member(const json::object& record, std::string_view key) {
  const auto* value = record.if_contains(key);
  return value && value->is_string() ? std::string_view(value->get_string()) : std::string_view();
}

std::optional<std::int64_t> time_member(const json::object& record, std::string_view key) {
  const auto* value = record.if_contains(key);
  if (value && value->is_int64()) return value->get_int64();
  if (value && value->is_uint64() && value->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(value->get_uint64());
  }
  return std::nullopt;
}

std::string_view tag(const json::object& record, std::string_view key) {
  const auto* tags = record.if_contains("tags");
  return tags && tags->is_object() ? string_member(tags->get_object(), key) : std::string_view();
}

// The function an invocation param names (payloads decoded: param.data is the JSON).
std::string invoked_function(const json::object& record) {
  const auto* param = record.if_contains("param");
  const auto* data = param && param->is_object() ? param->get_object().if_contains("data") : nullptr;
  const auto* invocation = data ? data->if_object() : nullptr;
  return invocation ? std::string(string_member(*invocation, "func")) : std::string();
}

// Whose child a record is: its parent tag, else the id without its last ':' or '.' segment.
std::string parent_of(const json::object& record, std::string_view id) {
  if (auto parent = tag(record, "resonate:parent"); !parent.empty() && parent != id) return std::string(parent);
  const auto cut = id.find_last_of(":.");
  return cut == std::string_view::npos ? std::string() : std::string(id.substr(0, cut));
}

CallNode node_of(const json::object& record, bool is_root) {
  CallNode node;
  node.id = std::string(string_member(record, "id"));
  node.state = std::string(string_member(record, "state"));
  node.created_at = time_member(record, "createdAt");
  node.settled_at = time_member(record, "settledAt");
  node.timeout_at = time_member(record, "timeoutAt");
  if (const auto call = tag(record, "resonate-cpp:call"); !call.empty()) {
    const auto space = call.find(' ');
    node.kind = std::string(call.substr(0, space));
    if (space != std::string_view::npos) node.name = std::string(call.substr(space + 1));
  } else if (tag(record, "resonate:timer") == "true") {
    node.kind = "sleep";
  } else if (tag(record, "resonate:scope") == "local") {
    node.kind = "run";
  } else if (auto function = invoked_function(record); !function.empty()) {
    node.kind = "rpc";
    node.name = std::move(function);
  } else {
    node.kind = "promise";
  }
  if (is_root) {
    // The tree's top is what was invoked, whatever called it.
    if (node.kind == "rpc") node.kind = "invoke";
    if (node.name.empty()) node.name = invoked_function(record);
  }
  return node;
}

// The numbers in an id compared as numbers ("a:2" before "a:10").
bool natural_less(std::string_view left, std::string_view right) {
  std::size_t i = 0, j = 0;
  while (i < left.size() && j < right.size()) {
    const bool left_digit = std::isdigit(static_cast<unsigned char>(left[i])) != 0;
    const bool right_digit = std::isdigit(static_cast<unsigned char>(right[j])) != 0;
    if (left_digit && right_digit) {
      std::size_t left_end = i, right_end = j;
      while (left_end < left.size() && std::isdigit(static_cast<unsigned char>(left[left_end]))) ++left_end;
      while (right_end < right.size() && std::isdigit(static_cast<unsigned char>(right[right_end]))) ++right_end;
      const auto a = left.substr(i, left_end - i), b = right.substr(j, right_end - j);
      if (a.size() != b.size()) return a.size() < b.size();
      if (a != b) return a < b;
      i = left_end;
      j = right_end;
      continue;
    }
    if (left[i] != right[j]) return left[i] < right[j];
    ++i;
    ++j;
  }
  return left.size() - i < right.size() - j;
}

void attach_children(CallNode& node, std::map<std::string, std::vector<CallNode>>& by_parent) {
  auto found = by_parent.find(node.id);
  if (found == by_parent.end()) return;
  node.children = std::move(found->second);
  by_parent.erase(found);
  std::sort(node.children.begin(), node.children.end(), [](const CallNode& a, const CallNode& b) {
    const auto a_time = a.created_at.value_or(0), b_time = b.created_at.value_or(0);
    if (a_time != b_time) return a_time < b_time;
    return natural_less(a.id, b.id);
  });
  for (auto& child : node.children) attach_children(child, by_parent);
}

std::string clock_text(std::int64_t epoch_ms) {
  const auto seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  std::snprintf(text, sizeof text, "%02d:%02d:%02d.%03d UTC", utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(epoch_ms % 1000));
  return text;
}

std::string timing(const CallNode& node, std::int64_t now) {
  if (node.state != "pending") {
    if (node.created_at && node.settled_at) return "took " + human_duration(*node.settled_at - *node.created_at);
    return {};
  }
  if (!node.timeout_at) return {};
  const auto left = *node.timeout_at - now;
  const auto when = left > 0 ? "in " + human_duration(left) : human_duration(-left) + " ago";
  return (node.kind == "sleep" ? "wakes " : "times out ") + when + " (" + clock_text(*node.timeout_at) + ")";
}

void write_text(const CallNode& node, std::int64_t now, const std::string& lead, const std::string& branch,
                std::string& out) {
  out += lead + branch + node.id + "  " + node.kind;
  if (!node.name.empty()) out += " " + node.name;
  out += "  " + node.state;
  if (auto when = timing(node, now); !when.empty()) out += "  " + when;
  out += '\n';
  // Below the top, each level indents under its branch.
  const std::string next_lead = branch.empty() ? lead : lead + (branch == "└─ " ? "   " : "│  ");
  for (std::size_t i = 0; i < node.children.size(); ++i) {
    write_text(node.children[i], now, next_lead, i + 1 == node.children.size() ? "└─ " : "├─ ", out);
  }
}

}  // namespace

std::string origin_of_record(const json::object& root) {
  if (auto origin = tag(root, "resonate:origin"); !origin.empty()) return std::string(origin);
  return std::string(wire::origin_of(string_member(root, "id")));
}

CallNode call_tree(const json::object& root, const std::vector<json::object>& members) {
  auto top = node_of(root, true);
  std::map<std::string, std::vector<CallNode>> by_parent;
  for (const auto& record : members) {
    const auto id = string_member(record, "id");
    if (id.empty() || id == top.id || !wire::extends(id, top.id)) continue;
    by_parent[parent_of(record, id)].push_back(node_of(record, false));
  }
  attach_children(top, by_parent);
  return top;
}

json::value tree_json(const CallNode& node) {
  json::object out{{"id", node.id}, {"kind", node.kind}, {"state", node.state}};
  if (!node.name.empty()) out["name"] = node.name;
  if (node.created_at) out["createdAt"] = *node.created_at;
  if (node.settled_at) out["settledAt"] = *node.settled_at;
  if (node.timeout_at) out["timeoutAt"] = *node.timeout_at;
  json::array children;
  for (const auto& child : node.children) children.push_back(tree_json(child));
  out["children"] = std::move(children);
  return out;
}

std::string tree_text(const CallNode& node, std::int64_t now) {
  std::string out;
  write_text(node, now, "", "", out);
  return out;
}

std::string human_duration(std::int64_t ms) {
  if (ms < 0) ms = 0;
  constexpr std::int64_t second = 1000, minute = 60 * second, hour = 60 * minute, day = 24 * hour;
  char text[64];
  if (ms < second) {
    std::snprintf(text, sizeof text, "%lld ms", static_cast<long long>(ms));
  } else if (ms < minute) {
    std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(ms) / second);
  } else if (ms < hour) {
    std::snprintf(text, sizeof text, "%lld min %lld s", static_cast<long long>(ms / minute),
                  static_cast<long long>(ms % minute / second));
  } else if (ms < day) {
    std::snprintf(text, sizeof text, "%lld h %lld min", static_cast<long long>(ms / hour),
                  static_cast<long long>(ms % hour / minute));
  } else {
    std::snprintf(text, sizeof text, "%lld d %lld h", static_cast<long long>(ms / day),
                  static_cast<long long>(ms % day / hour));
  }
  return text;
}

}  // namespace resonate::cli
