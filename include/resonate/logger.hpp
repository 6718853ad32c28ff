// Where the SDK says what went wrong: a failed execution pass, a lost task, an unreachable
// server, a call to a group that no worker serves. Nothing the SDK catches is dropped without a
// record here.
//
//   resonate::RemoteConfig config;
//   config.logger = [](const resonate::LogRecord& record) {
//     if (record.level >= resonate::LogLevel::info) my_log(record.message, record.fields);
//   };
//
// The default (an empty Logger) writes records of level warn and above to stderr as one line
// each: `resonate: level=warn msg="..." id=order-7 version=3 error="..."`. The logger is called
// on the threads that run the io_context, possibly concurrently: make it thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace resonate {

enum class LogLevel { debug, info, warn, error };

std::string_view to_string(LogLevel level);

struct LogRecord {
  LogLevel level = LogLevel::info;
  std::string message;
  // Context, in this order when present: "id" (the task or promise), "version" (the task's
  // lease version), "function", "group", "error".
  std::vector<std::pair<std::string, std::string>> fields;

  // The value of a field, or an empty view.
  std::string_view field(std::string_view key) const;
};

using Logger = std::function<void(const LogRecord&)>;

// The default logger's line for `record`, without the trailing newline.
std::string format_log_line(const LogRecord& record);

// Writes records of `threshold` and above to stderr, one write per line.
Logger stderr_logger(LogLevel threshold = LogLevel::warn);

}  // namespace resonate
