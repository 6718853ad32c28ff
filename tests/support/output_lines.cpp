#include "output_lines.hpp"

#include <charconv>
#include <cstdio>
#include <system_error>
#include <utility>

namespace resonate::test_support {

namespace {

std::optional<int> port_number(std::string_view digits) {
  int port = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (error != std::errc{} || end != digits.data() + digits.size() || port <= 0 || port > 65535) return std::nullopt;
  return port;
}

}  // namespace

void print_line(std::string_view line) {
  // One write per whole line: executions on other threads print too, and two calls (text,
  // then newline) let their lines interleave ("...in=165step-begin id=...").
  std::string text(line);
  text += '\n';
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

std::optional<std::string> field(std::string_view line, std::string_view key) {
  const std::string marker = " " + std::string(key) + "=";
  const auto start = line.find(marker);
  if (start == std::string_view::npos) return std::nullopt;
  const auto value = line.substr(start + marker.size());
  return std::string(value.substr(0, value.find(' ')));
}

std::function<bool(std::string_view)> outcome_line(std::string id) {
  return [id = std::move(id)](std::string_view line) {
    return (line.starts_with("result ") || line.starts_with("error ")) && field(line, "id") == id;
  };
}

std::optional<int> listening_port(std::string_view line) {
  if (const auto port = field(line, "port")) return port_number(*port);
  const auto address = field(line, "addr");
  if (!address) return std::nullopt;
  const auto colon = address->rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  return port_number(std::string_view(*address).substr(colon + 1));
}

}  // namespace resonate::test_support
