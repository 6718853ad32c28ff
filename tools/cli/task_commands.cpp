// resonate tasks get|list|halt|continue
#include "commands.hpp"

namespace resonate::cli {

namespace json = boost::json;

namespace {
wire::TaskState task_state_flag(const std::string& text) {
  if (auto state = wire::task_state_from(text)) return *state;
  throw UsageError("--state must be pending, acquired, suspended, halted or fulfilled: " + text);
}
}  // namespace

int tasks_get(const CommandInput& input, Client& client) {
  const auto& id = input.operands[0];
  auto answer = client.call_ok(wire::TaskGet{id}, "task '" + id + "'");
  print_json(answer.at("task"));
  return 0;
}

int tasks_list(const CommandInput& input, Client& client) {
  wire::TaskSearch query;
  if (const auto state = input.arguments.value("--state")) query.state = task_state_flag(*state);
  query.limit = static_cast<std::size_t>(limit_flag(input.arguments, 100, 1000));
  query.cursor = input.arguments.value("--cursor");
  auto answer = client.call_ok(query, "the task search");
  json::object out{{"tasks", answer.contains("tasks") ? answer.at("tasks") : json::array()}};
  if (const auto* cursor = answer.if_contains("cursor")) out["cursor"] = *cursor;
  print_json(out);
  return 0;
}

int tasks_halt(const CommandInput& input, Client& client) {
  const auto& id = input.operands[0];
  client.call_ok(wire::TaskHalt{id}, "task '" + id + "'");
  print_json(json::object{{"id", id}, {"state", "halted"}});
  return 0;
}

int tasks_continue(const CommandInput& input, Client& client) {
  const auto& id = input.operands[0];
  client.call_ok(wire::TaskContinue{id}, "task '" + id + "'");
  print_json(json::object{{"id", id}, {"state", "pending"}});
  return 0;
}

}  // namespace resonate::cli
