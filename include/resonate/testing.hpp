// resonate::testing: durable functions under test, in milliseconds and deterministically.
//
//   resonate::testing::Environment env;            // Resonate::local, memory store, manual clock
//   env.resonate().register_function("remind", remind);   // sleeps a day, then sends a mail
//   auto handle = env.run(env.resonate().run<std::string>("remind-1", "remind", "Ada").spawn());
//   env.advance(std::chrono::hours(24));           // fires the day-long sleep at once
//   CHECK(env.run(handle.result()) == "sent to Ada");
//
// Time moves only when advance() moves it: every timer, promise timeout, lease expiry and
// schedule due in the span fires in the order of its deadline, the clock standing at that
// deadline, and what it wakes runs before the next fires — a workflow that sleeps an hour, then
// a day, sees both at their times. Link resonate::testing (CMake); it needs resonate::embedded.
//
// In-process waits that are not durable (a step's retry delay, a heartbeat) still take real
// time: give steps under test a short RetryPolicy.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/json/value.hpp>

#include "resonate/errors.hpp"
#include "resonate/promises.hpp"
#include "resonate/resonate.hpp"

namespace resonate::testing {

// A call that cannot finish without time passing or a promise being settled.
class StillPending : public Error {
 public:
  using Error::Error;
};

struct EnvironmentOptions {
  // Where the manual clock starts: 2026-01-01T00:00:00Z (epoch ms).
  std::int64_t start = 1767225600000;
  // Fail by default: a test must see a replay that diverged from its recorded history.
  Nondeterminism on_nondeterminism = Nondeterminism::fail;
  Logger logger;  // empty: stderr, warn and above
};

class Environment {
 public:
  Environment() : Environment(EnvironmentOptions{}) {}
  explicit Environment(EnvironmentOptions options);
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  Resonate& resonate();
  // The manual clock, epoch ms.
  std::int64_t now() const;

  // Runs everything that can run at the current time: until every execution has finished,
  // suspended, or waits for something outside (real time, a promise nobody settled).
  void run_until_idle();

  // Moves the clock forward by `span`, firing what is due in order (see above).
  void advance(std::chrono::milliseconds span);

  // Runs `call` until idle: its value, or StillPending when it waits for time or a promise
  // (start it with .spawn() instead, advance the clock, then run the handle's result()).
  template <class T>
  T run(boost::asio::awaitable<T> call) {
    auto outcome = std::make_shared<Outcome<T>>();
    boost::asio::co_spawn(executor(), std::move(call), [outcome](std::exception_ptr error, auto... value) {
      outcome->done = true;
      outcome->error = error;
      if constexpr (sizeof...(value) == 1) (outcome->value.emplace(std::move(value)), ...);
    });
    run_until_idle();
    if (!outcome->done) {
      throw StillPending("the call waits for time to pass or a promise to be settled (advance the clock?)");
    }
    if (outcome->error) std::rethrow_exception(outcome->error);
    if constexpr (!std::is_void_v<T>) return std::move(*outcome->value);
  }

  // The promises of the execution tree of `root` — the root and every promise under its
  // lineage — by id.
  std::vector<PromiseRecord> checkpoints(const std::string& root);

  // Loads a recorded history into the store: promise records as `resonate promises list
  // --json` prints them ({"promises": [...]}, or an array of such records). Every promise but
  // `root` is stored as recorded (the settled ones as they are, the pending ones created
  // afresh), the clock moves to the latest time the history shows, and then `root` is created
  // pending again with its param and tags, so that its function — as registered now — runs
  // from the top over the recorded checkpoints. Returns its handle: the value the new code
  // computes, or NonDeterminismError when it makes other durable calls than the recorded ones.
  template <class R>
  Handle<R> replay(const boost::json::value& history, const std::string& root) {
    load_history(history, root);
    return run(resonate().template get<R>(root));
  }

 private:
  template <class T>
  struct Outcome {
    bool done = false;
    std::exception_ptr error;
    std::optional<std::conditional_t<std::is_void_v<T>, int, T>> value;
  };

  boost::asio::any_io_executor executor();
  void load_history(const boost::json::value& history, const std::string& root);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace resonate::testing
