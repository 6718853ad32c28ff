// Human durations for --timeout: "30s", "5m", "1h", "2d", "500ms", and sums such as "1h30m".
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace resonate::cli {

// nullopt when `text` is not a sequence of <integer><unit> (units ms, s, m, h, d) or is zero
// or overflows. A bare number is refused: "10" could mean seconds or milliseconds.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace resonate::cli
