// The clock reading of the protocol: every protocol time is Unix epoch milliseconds.
// The core reads no clock; its drivers (server, embedded network, SDK, CLI) read this one.
#pragma once

#include <chrono>
#include <functional>
#include <limits>

#include "wire/records.hpp"

namespace resonate::wire {

inline Millis epoch_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Where a driver reads the time: epoch_ms_now, or a manual clock (resonate/testing.hpp) whose
// time moves only when a test moves it.
using Clock = std::function<Millis()>;

// `at + duration`, saturated at the ends of the time line instead of overflowing: a lease or a
// timeout of 2^63-1 ms means "never", not a moment in the past. Every deadline computed from a
// duration that a request or a setting supplies goes through here.
constexpr Millis deadline_after(Millis at, Millis duration) {
  constexpr Millis latest = std::numeric_limits<Millis>::max();
  constexpr Millis earliest = std::numeric_limits<Millis>::min();
  if (duration > 0 && at > latest - duration) return latest;
  if (duration < 0 && at < earliest - duration) return earliest;
  return at + duration;
}

}  // namespace resonate::wire
