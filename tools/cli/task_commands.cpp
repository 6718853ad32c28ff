// resonate tasks get|list
#include "commands.hpp"

namespace resonate::cli {

namespace json = boost::json;

namespace {
std::string task_state_flag(const std::string& text) {
  if (text == "pending" || text == "acquired" || text == "suspended" || text == "halted" || text == "fulfilled") {
    return text;
  }
  throw UsageError("--state must be pending, acquired, suspended, halted or fulfilled: " + text);
}
}  // namespace

int tasks_get(const CommandInput& input, Client& client) {
  const auto& id = input.operands[0];
  auto answer = client.call_ok("task.get", json::object{{"id", id}}, "task '" + id + "'");
  print_json(answer.at("task"));
  return 0;
}

int tasks_list(const CommandInput& input, Client& client) {
  json::object query;
  if (const auto state = input.arguments.value("--state")) query["state"] = task_state_flag(*state);
  query["limit"] = limit_flag(input.arguments, 100, 1000);
  if (const auto cursor = input.arguments.value("--cursor")) query["cursor"] = *cursor;
  auto answer = client.call_ok("task.search", std::move(query), "the task search");
  json::object out{{"tasks", answer.contains("tasks") ? answer.at("tasks") : json::array()}};
  if (const auto* cursor = answer.if_contains("cursor")) out["cursor"] = *cursor;
  print_json(out);
  return 0;
}

}  // namespace resonate::cli
