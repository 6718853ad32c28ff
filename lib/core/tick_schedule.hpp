// When a driver of the core (the server's ticker, embedded mode's tick loop) next calls
// Core::tick: at the earliest known deadline, and at least every `longest_wait`. A pure
// decision, shared by both drivers; they own the timer and the clock.
#pragma once

#include <algorithm>
#include <optional>

#include "wire/clock.hpp"
#include "wire/records.hpp"

namespace resonate::core {

class TickSchedule {
 public:
  TickSchedule(wire::Millis longest_wait, wire::Millis now) : longest_wait_(longest_wait), due_(now) {}

  // How long to sleep from `now` (0 when a tick is due).
  wire::Millis wait(wire::Millis now) const { return std::clamp<wire::Millis>(due_ - now, 0, longest_wait_); }
  bool due(wire::Millis now) const { return now >= due_; }

  // A tick starts at `now`: until it reports the next deadline (lower), only deadlines written
  // meanwhile count, and the longest wait bounds the rest.
  void start_tick(wire::Millis now) { due_ = wire::deadline_after(now, longest_wait_); }

  // A deadline learnt from the core. True when it is earlier than planned: the driver then cuts
  // its sleep short.
  bool lower(std::optional<wire::Millis> deadline) {
    if (!deadline || *deadline >= due_) return false;
    due_ = *deadline;
    return true;
  }

 private:
  wire::Millis longest_wait_;
  wire::Millis due_;
};

}  // namespace resonate::core
