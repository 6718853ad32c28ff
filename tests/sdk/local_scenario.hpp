// What the embedded-mode suites share: a scenario run against a fresh Resonate::local, and a
// logger that keeps what the SDK reports.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "resonate/resonate.hpp"

namespace resonate::test_support {

// Runs `scenario` against a fresh embedded Resonate; fails when it throws or does not finish
// within `limit`.
inline void run_scenario_with(const LocalConfig& config, const std::function<void(Resonate&)>& setup,
                              const std::function<boost::asio::awaitable<void>(Resonate&)>& scenario,
                              std::chrono::seconds limit = std::chrono::seconds(20)) {
  boost::asio::io_context io;
  auto r = Resonate::local(io.get_executor(), config);
  setup(r);
  bool finished = false;
  std::exception_ptr failure;
  boost::asio::co_spawn(io, scenario(r), [&](std::exception_ptr error) {
    finished = true;
    failure = error;
    r.stop();
  });
  io.run_for(limit);
  REQUIRE_MESSAGE(finished, "scenario did not finish in time");
  if (failure) std::rethrow_exception(failure);
}

// The same with a fast tick (10 ms).
inline void run_scenario(const std::function<void(Resonate&)>& setup,
                         const std::function<boost::asio::awaitable<void>(Resonate&)>& scenario,
                         std::chrono::seconds limit = std::chrono::seconds(20)) {
  LocalConfig config;
  config.tick_interval = std::chrono::milliseconds(10);
  run_scenario_with(config, setup, scenario, limit);
}

// A thread-safe Logger that keeps every record.
class RecordingLogger {
 public:
  Logger logger() {
    return [this](const LogRecord& record) {
      std::lock_guard lock(mutex_);
      records_.push_back(record);
    };
  }
  std::optional<LogRecord> find(const std::function<bool(const LogRecord&)>& wanted) {
    std::lock_guard lock(mutex_);
    for (const auto& record : records_) {
      if (wanted(record)) return record;
    }
    return std::nullopt;
  }

 private:
  std::mutex mutex_;
  std::vector<LogRecord> records_;
};

}  // namespace resonate::test_support
