#include "duration.hpp"

#include <cctype>
#include <cstdint>
#include <limits>

namespace resonate::cli {

namespace {
std::optional<std::int64_t> unit_millis(std::string_view unit) {
  if (unit == "ms") return 1;
  if (unit == "s") return 1000;
  if (unit == "m") return 60 * 1000;
  if (unit == "h") return 60 * 60 * 1000;
  if (unit == "d") return 24 * 60 * 60 * 1000;
  return std::nullopt;
}
}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  constexpr auto max = std::numeric_limits<std::int64_t>::max();
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t at = 0;
  while (at < text.size()) {
    std::int64_t number = 0;
    const std::size_t digits_start = at;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) {
      const int digit = text[at++] - '0';
      if (number > (max - digit) / 10) return std::nullopt;
      number = number * 10 + digit;
    }
    if (at == digits_start) return std::nullopt;
    const std::size_t unit_start = at;
    while (at < text.size() && std::isalpha(static_cast<unsigned char>(text[at]))) ++at;
    const auto factor = unit_millis(text.substr(unit_start, at - unit_start));
    if (!factor) return std::nullopt;
    if (number > 0 && *factor > max / number) return std::nullopt;
    if (total > max - number * *factor) return std::nullopt;
    total += number * *factor;
  }
  if (total <= 0) return std::nullopt;
  return std::chrono::milliseconds(total);
}

}  // namespace resonate::cli
