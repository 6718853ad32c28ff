// Resonate::schedules(): schedule.create / get / delete over the runtime's transport.
#include "resonate/schedules.hpp"

#include "resonate/errors.hpp"
#include "sdk/runtime.hpp"
#include "sdk/wire.hpp"
#include "wire/requests.hpp"
#include "wire/responses.hpp"

namespace resonate {

namespace asio = boost::asio;

namespace {

constexpr std::int64_t default_timeout_ms = 24LL * 60 * 60 * 1000;
constexpr std::string_view promise_id_template = "{{.id}}-{{.timestamp}}";  // as the SDKs name them

ScheduleRecord record_of(const wire::Schedule& schedule, const Encryptor* encryptor) {
  ScheduleRecord record;
  record.id = schedule.id;
  record.cron = schedule.cron;
  record.promise_id = schedule.promise_id;
  record.promise_timeout = std::chrono::milliseconds(schedule.promise_timeout);
  const auto invocation = sdk::read_invocation(schedule.promise_param, encryptor);
  record.func = invocation.func;
  record.args = invocation.args;
  record.promise_tags = Tags(schedule.promise_tags.begin(), schedule.promise_tags.end());
  record.created_at = schedule.created_at;
  record.next_run_at = schedule.next_run_at;
  record.last_run_at = schedule.last_run_at;
  return record;
}

// A refusal of the request itself (a bad name or cron expression) is the caller's to fix.
[[noreturn]] void refused(const wire::Response& response, std::string_view kind, const std::string& name) {
  if (response.status == 404) throw NotFoundError("schedule '" + name + "' not found");
  if (response.status >= 400 && response.status < 500) throw Error(std::string(kind) + ": " + response.message());
  throw PlatformError(std::string(kind) + ": " + response.message());
}

}  // namespace

asio::awaitable<ScheduleRecord> Schedules::create_encoded(Options options, std::string name, std::string cron,
                                                          std::string func, boost::json::array args) const {
  auto tags = wire::Tags(options.tags.begin(), options.tags.end());
  tags.insert_or_assign(std::string(wire::tag::target), detail::Runtime::address_of(options.target));
  const auto version = runtime_->version_to_call(func, options.version);
  const wire::ScheduleCreate request{name,
                                     cron,
                                     std::string(promise_id_template),
                                     options.timeout ? options.timeout->count() : default_timeout_ms,
                                     sdk::invocation_param(func, args, version, options.retry, runtime_->encryptor()),
                                     std::move(tags)};
  auto response = co_await runtime_->send(request);
  if (!response.ok()) refused(response, request.kind, name);
  auto stored = sdk::read_answer(response, request.kind, &wire::schedule_result_from_json).schedule;
  // An existing name is answered with the stored schedule: only the same definition is a success.
  if (stored.cron != request.cron || stored.promise_param != request.promise_param) {
    throw Error("schedule '" + name + "' already exists with another definition (cron '" + stored.cron +
                "'): delete it first");
  }
  co_return record_of(stored, runtime_->encryptor());
}

asio::awaitable<ScheduleRecord> Schedules::get(std::string name) const {
  const wire::ScheduleGet request{name};
  auto response = co_await runtime_->send(request);
  if (!response.ok()) refused(response, request.kind, name);
  co_return record_of(sdk::read_answer(response, request.kind, &wire::schedule_result_from_json).schedule, runtime_->encryptor());
}

asio::awaitable<void> Schedules::remove(std::string name) const {
  const wire::ScheduleDelete request{name};
  auto response = co_await runtime_->send(request);
  if (!response.ok()) refused(response, request.kind, name);
}

}  // namespace resonate
