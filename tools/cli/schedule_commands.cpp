// resonate schedules create|get|delete|list
//
// A schedule creates a promise per cron tick; like the SDKs' schedule(), its promises invoke
// a registered function ({"func", "args", "version"} param) on the target worker group.
#include "commands.hpp"
#include "values.hpp"
#include "wire/records.hpp"

namespace resonate::cli {

namespace json = boost::json;

namespace {
constexpr auto default_schedule_timeout = std::chrono::hours(24);
constexpr std::string_view default_promise_id = "{{.id}}-{{.timestamp}}";  // as the SDKs name them

std::string schedule_subject(std::string_view id) { return "schedule '" + std::string(id) + "'"; }
}  // namespace

int schedules_create(const CommandInput& input, Client& client) {
  const auto& arguments = input.arguments;
  const auto& id = input.operands[0];
  const auto cron = arguments.value("--cron");
  if (!cron) throw UsageError("schedules create needs --cron EXPR");
  const auto func = arguments.value("--func");
  if (!func || func->empty()) throw UsageError("schedules create needs --func NAME");
  const auto promise_id = arguments.value("--promise-id").value_or(std::string(default_promise_id));
  auto tags = tags_of(arguments.values("--tag"));
  tags.insert_or_assign(std::string(wire::tag::target),
                        target_address(arguments.value("--target").value_or("poll://any@default")));
  const auto param = invocation_value(*func, args_flag(arguments), version_flag(arguments));

  const wire::ScheduleCreate request{
      id, *cron, promise_id, timeout_flag(arguments, default_schedule_timeout), param, std::move(tags)};
  auto answer = client.call_ok(request, schedule_subject(id));
  const auto& schedule = answer.at("schedule").as_object();
  // An existing id is answered with the stored schedule: only a different one is a conflict.
  const auto* stored_param = schedule.if_contains("promiseParam");
  const bool same = schedule.contains("cron") && schedule.at("cron") == json::value(*cron) &&
                    schedule.contains("promiseId") && schedule.at("promiseId") == json::value(promise_id) &&
                    stored_param && stored_param->is_object() && stored_param->get_object().contains("data") &&
                    stored_param->get_object().at("data") == json::value(param.data.value_or(""));
  if (!same) throw CommandError("conflict: " + schedule_subject(id) + " already exists with another definition");
  print_json(present_schedule(schedule));
  return 0;
}

int schedules_get(const CommandInput& input, Client& client) {
  const auto& id = input.operands[0];
  auto answer = client.call_ok(wire::ScheduleGet{id}, schedule_subject(id));
  print_json(present_schedule(answer.at("schedule")));
  return 0;
}

int schedules_delete(const CommandInput& input, Client& client) {
  const auto& id = input.operands[0];
  client.call_ok(wire::ScheduleDelete{id}, schedule_subject(id));
  print_json(json::object{{"deleted", id}});
  return 0;
}

int schedules_list(const CommandInput& input, Client& client) {
  wire::ScheduleSearch query;
  query.tags = tags_of(input.arguments.values("--tag"));
  query.limit = static_cast<std::size_t>(limit_flag(input.arguments, 10, 1000));
  query.cursor = input.arguments.value("--cursor");
  auto answer = client.call_ok(query, "the schedule search");
  json::array schedules;
  if (const auto* rows = answer.if_contains("schedules"); rows && rows->is_array()) {
    for (const auto& row : rows->get_array()) schedules.push_back(present_schedule(row));
  }
  json::object out{{"schedules", std::move(schedules)}};
  if (const auto* cursor = answer.if_contains("cursor")) out["cursor"] = *cursor;
  print_json(out);
  return 0;
}

}  // namespace resonate::cli
