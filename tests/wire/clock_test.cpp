// Deadlines from durations saturate at the ends of the time line instead of overflowing.
#include <doctest/doctest.h>

#include <limits>

#include "wire/clock.hpp"

using resonate::wire::deadline_after;
using resonate::wire::Millis;

TEST_CASE("deadline_after adds, and saturates where the sum would overflow") {
  constexpr Millis latest = std::numeric_limits<Millis>::max();
  constexpr Millis earliest = std::numeric_limits<Millis>::min();
  const Millis now = 1700000000000;
  CHECK(deadline_after(now, 60000) == now + 60000);
  CHECK(deadline_after(now, 0) == now);
  CHECK(deadline_after(now, latest) == latest);
  CHECK(deadline_after(latest, 1) == latest);
  CHECK(deadline_after(latest - 5, 5) == latest);
  CHECK(deadline_after(latest - 5, 4) == latest - 1);
  CHECK(deadline_after(now, -1000) == now - 1000);
  CHECK(deadline_after(earliest + 1, -2) == earliest);
  static_assert(deadline_after(latest, latest) == latest);
}
