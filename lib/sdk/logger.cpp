// The default logger and the line format of resonate/logger.hpp.
#include "resonate/logger.hpp"

#include <cstdio>

namespace resonate {

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "unknown";
}

std::string_view LogRecord::field(std::string_view key) const {
  for (const auto& [name, value] : fields) {
    if (name == key) return value;
  }
  return {};
}

namespace {
// Bare when it is one word, else quoted with \" and \\ escaped, so a line splits unambiguously.
void append_value(std::string& line, std::string_view value) {
  const bool bare = !value.empty() && value.find_first_of(" \"\\=\n\t") == std::string_view::npos;
  if (bare) {
    line.append(value);
    return;
  }
  line += '"';
  for (const char c : value) {
    if (c == '"' || c == '\\') line += '\\';
    if (c == '\n') {
      line += "\\n";
      continue;
    }
    line += c;
  }
  line += '"';
}
}  // namespace

std::string format_log_line(const LogRecord& record) {
  std::string line = "resonate: level=";
  line += to_string(record.level);
  line += " msg=";
  append_value(line, record.message);
  for (const auto& [key, value] : record.fields) {
    line += ' ';
    line += key;
    line += '=';
    append_value(line, value);
  }
  return line;
}

Logger stderr_logger(LogLevel threshold) {
  return [threshold](const LogRecord& record) {
    if (record.level < threshold) return;
    std::string line = format_log_line(record);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
  };
}

}  // namespace resonate
