// The records an SDK instance logs (RemoteConfig::logger), kept for a test that waits for the
// one it expects instead of sleeping. Thread-safe: the SDK logs from its io_context's threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "resonate/logger.hpp"

namespace resonate::test_support {

class CapturedLog {
 public:
  // A logger that records into this CapturedLog, which must outlive it.
  Logger logger() {
    return [this](const LogRecord& record) {
      std::lock_guard lock(mutex_);
      records_.push_back(record);
      changed_.notify_all();
    };
  }

  // Whether a record satisfying `matches` arrives within `timeout` (or came already).
  bool wait_for(const std::function<bool(const LogRecord&)>& matches, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return count_locked(matches) > 0; });
  }

  std::size_t count(const std::function<bool(const LogRecord&)>& matches) {
    std::lock_guard lock(mutex_);
    return count_locked(matches);
  }

 private:
  std::size_t count_locked(const std::function<bool(const LogRecord&)>& matches) const {
    std::size_t count = 0;
    for (const auto& record : records_) count += matches(record) ? 1 : 0;
    return count;
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<LogRecord> records_;
};

}  // namespace resonate::test_support
