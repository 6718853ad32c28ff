// Wall-clock time as the programs under test print it (milliseconds since the Unix epoch), so
// a test can compare its own observations with the times in their output lines.
#pragma once

#include <chrono>
#include <cstdint>

namespace resonate::test_support {

inline std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline std::int64_t epoch_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace resonate::test_support
