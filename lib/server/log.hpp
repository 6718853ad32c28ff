// Structured log lines: `level=info msg="listening" addr=127.0.0.1:8001 store=sqlite:resonate.db`.
//
// One line per event, logfmt style, so tests and operators can grep for `msg="…"` and parse
// key=value pairs. Thread-safe: the I/O thread and the core thread both log.
#pragma once

#include <concepts>
#include <initializer_list>
#include <iosfwd>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace resonate::server {

enum class LogLevel { debug, info, warn, error };

std::string_view to_string(LogLevel level);
std::optional<LogLevel> log_level_from(std::string_view text);

// One key=value pair; numbers are formatted, text is quoted when it needs to be.
struct LogField {
  LogField(std::string_view key, std::string_view value) : key(key), value(value) {}
  LogField(std::string_view key, const std::string& value) : key(key), value(value) {}
  LogField(std::string_view key, const char* value) : key(key), value(value) {}
  template <std::integral Number>
  LogField(std::string_view key, Number value) : key(key), value(std::to_string(value)) {}

  std::string_view key;
  std::string value;
};

class Logger {
 public:
  // Writes to `out` (std::cerr when null); lines below `threshold` are dropped.
  explicit Logger(LogLevel threshold, std::ostream* out = nullptr);

  bool enabled(LogLevel level) const { return level >= threshold_; }
  // Appends `key=value` to every line from now on (the replica's name). Call before other
  // threads log.
  void add_constant_field(std::string_view key, std::string_view value);
  void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});

  void debug(std::string_view message, std::initializer_list<LogField> fields = {}) { log(LogLevel::debug, message, fields); }
  void info(std::string_view message, std::initializer_list<LogField> fields = {}) { log(LogLevel::info, message, fields); }
  void warn(std::string_view message, std::initializer_list<LogField> fields = {}) { log(LogLevel::warn, message, fields); }
  void error(std::string_view message, std::initializer_list<LogField> fields = {}) { log(LogLevel::error, message, fields); }

 private:
  LogLevel threshold_;
  std::ostream* out_;
  std::string constant_fields_;
  std::mutex mutex_;
};

}  // namespace resonate::server
