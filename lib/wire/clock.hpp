// The clock reading of the protocol: every protocol time is Unix epoch milliseconds.
// The core reads no clock; its drivers (server, embedded network, SDK, CLI) read this one.
#pragma once

#include <chrono>

#include "wire/records.hpp"

namespace resonate::wire {

inline Millis epoch_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace resonate::wire
