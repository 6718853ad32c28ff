#include "server/log.hpp"

#include <iostream>

namespace resonate::server {

namespace {

// Values with spaces, quotes, '=' or control characters are quoted so a line splits unambiguously.
bool needs_quotes(std::string_view text) {
  if (text.empty()) return true;
  for (unsigned char c : text) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) return true;
  }
  return false;
}

void append_quoted(std::string& line, std::string_view text) {
  line += '"';
  for (char c : text) {
    switch (c) {
      case '"': line += "\\\""; break;
      case '\\': line += "\\\\"; break;
      case '\n': line += "\\n"; break;
      case '\r': line += "\\r"; break;
      case '\t': line += "\\t"; break;
      default: line += c;
    }
  }
  line += '"';
}

}  // namespace

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "info";
}

std::optional<LogLevel> log_level_from(std::string_view text) {
  for (auto level : {LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error}) {
    if (text == to_string(level)) return level;
  }
  return std::nullopt;
}

Logger::Logger(LogLevel threshold, std::ostream* out) : threshold_(threshold), out_(out ? out : &std::cerr) {}

namespace {
void append_field(std::string& line, std::string_view key, std::string_view value) {
  line += ' ';
  line += key;
  line += '=';
  if (needs_quotes(value)) {
    append_quoted(line, value);
  } else {
    line += value;
  }
}
}  // namespace

void Logger::add_constant_field(std::string_view key, std::string_view value) {
  append_field(constant_fields_, key, value);
}

void Logger::log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (!enabled(level)) return;
  std::string line = "level=";
  line += to_string(level);
  line += " msg=";
  append_quoted(line, message);
  for (const auto& field : fields) append_field(line, field.key, field.value);
  line += constant_fields_;
  line += '\n';
  std::lock_guard lock(mutex_);
  // Flushed per line: tests and supervisors wait on these lines as events.
  *out_ << line << std::flush;
}

}  // namespace resonate::server
