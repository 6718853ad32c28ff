// Announcements: when a replica takes the shared outbox for another replica's announcement, and
// when the take at the end of a batch that began after it covers it (no sockets, no clock).
#include <doctest/doctest.h>

#include "server/announcements.hpp"

using resonate::server::Announcements;

TEST_CASE("an announcement to an idle server is taken at once") {
  Announcements announcements;
  CHECK(announcements.announced(/*batch_running=*/false));
}

TEST_CASE("an announcement during a batch is taken by the batch that begins next") {
  Announcements announcements;
  announcements.batch_began();
  CHECK_FALSE(announcements.announced(/*batch_running=*/true));
  // The batcher starts the next batch before the first one's delivery runs.
  announcements.batch_began();
  CHECK_FALSE(announcements.batch_finished(/*took_everything=*/true, /*next_batch_began=*/true));
  // The next batch's take saw the announcement: nothing left to take.
  CHECK_FALSE(announcements.batch_finished(/*took_everything=*/true, /*next_batch_began=*/false));
}

TEST_CASE("an announcement during the last batch is taken when it finishes") {
  Announcements announcements;
  announcements.batch_began();
  CHECK_FALSE(announcements.announced(true));
  // The running batch began before the announcement: its take may have missed the messages.
  CHECK(announcements.batch_finished(/*took_everything=*/true, /*next_batch_began=*/false));
}

TEST_CASE("a batch whose take did not run or was cut at its limit covers nothing") {
  Announcements announcements;
  announcements.batch_began();
  CHECK_FALSE(announcements.announced(true));
  announcements.batch_began();
  CHECK_FALSE(announcements.batch_finished(true, true));
  // The next batch committed nothing (every request refused), or took a full load.
  CHECK(announcements.batch_finished(/*took_everything=*/false, /*next_batch_began=*/false));
}

TEST_CASE("a take of the delivery loop covers what was announced before it began") {
  Announcements announcements;
  CHECK(announcements.announced(false));
  const auto mark = announcements.delivery_began();
  announcements.batch_began();
  CHECK_FALSE(announcements.announced(true));  // after the delivery's take began
  announcements.delivery_drained(mark);
  // The batch began after the first announcement but before the second, so a take is still due.
  CHECK(announcements.batch_finished(true, false));

  Announcements drained;
  CHECK(drained.announced(false));
  drained.delivery_drained(drained.delivery_began());
  drained.batch_began();
  // Nothing announced since the delivery drained: no take after a batch without a take.
  CHECK_FALSE(drained.batch_finished(/*took_everything=*/false, false));
}
