// Schedules: a registered function invoked on a cron schedule, stored by the server, so that
// it keeps firing whichever workers are up (the TS SDK's resonate.schedule):
//
//   co_await resonate.schedules().create("nightly-report", "0 3 * * *", "report", "eu");
//   auto schedule = co_await resonate.schedules().get("nightly-report");  // next_run_at, ...
//   co_await resonate.schedules().remove("nightly-report");
//
// Each tick creates the promise `{name}-{timestamp}` (epoch ms of the tick) with the
// invocation as its param, on the target's workers ("poll://any@default" unless
// Options::target says otherwise); its timeout is Options::timeout (default 24 h).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>

#include "resonate/detail/diagnostics.hpp"
#include "resonate/detail/function.hpp"
#include "resonate/function.hpp"
#include "resonate/options.hpp"

namespace resonate {

namespace detail {
class Runtime;
}

struct ScheduleRecord {
  std::string id;
  std::string cron;
  std::string promise_id;  // template of each tick's promise id ({{.id}}, {{.timestamp}})
  std::chrono::milliseconds promise_timeout{0};
  std::string func;  // the function each tick invokes, and its arguments
  boost::json::array args;
  Tags promise_tags;
  std::int64_t created_at = 0;  // epoch ms
  std::int64_t next_run_at = 0;
  std::optional<std::int64_t> last_run_at;
};

class Schedules {
 public:
  explicit Schedules(std::shared_ptr<detail::Runtime> runtime) : runtime_(std::move(runtime)) {}

  // Creates schedule `name`: `func(args...)` at every tick of `cron` (5 fields, or 6-7 with
  // seconds, UTC). Creating it again with the same definition returns it; with another one
  // throws Error (delete it first). A cron expression the server refuses throws Error too.
  template <class... A>
  boost::asio::awaitable<ScheduleRecord> create(std::string name, std::string cron, std::string func,
                                                A&&... args) const {
    [[maybe_unused]] constexpr bool checked = detail::check_call<void, A...>();
    return create_encoded(Options{}, std::move(name), std::move(cron), std::move(func), detail::encode_args(args...));
  }
  template <detail::options_type O, class... A>
  boost::asio::awaitable<ScheduleRecord> create(O&& options, std::string name, std::string cron, std::string func,
                                                A&&... args) const {
    [[maybe_unused]] constexpr bool checked = detail::check_call<void, A...>() && detail::check_options<O>();
    return create_encoded(Options(std::forward<O>(options)), std::move(name), std::move(cron), std::move(func),
                          detail::encode_args(args...));
  }
  // Through a typed handle: its version, its parameter types.
  template <class R, class... P, class... A>
  boost::asio::awaitable<ScheduleRecord> create(std::string name, std::string cron, const Function<R(P...)>& function,
                                                A&&... args) const {
    if constexpr (detail::check_typed_call<std::tuple<P...>, R, A...>()) {
      Options options;
      options.version = function.version();
      return create_encoded(std::move(options), std::move(name), std::move(cron), function.name(),
                            detail::encode_args(static_cast<P>(std::forward<A>(args))...));
    }
  }

  // Schedule `name`; throws NotFoundError when there is none.
  boost::asio::awaitable<ScheduleRecord> get(std::string name) const;
  // Deletes schedule `name` (the promises it made stay); throws NotFoundError when there is none.
  boost::asio::awaitable<void> remove(std::string name) const;

 private:
  boost::asio::awaitable<ScheduleRecord> create_encoded(Options options, std::string name, std::string cron,
                                                        std::string func, boost::json::array args) const;

  std::shared_ptr<detail::Runtime> runtime_;
};

}  // namespace resonate
