// Announcements: when a replica takes the shared outbox for another replica's announcement, and
// when the take at the end of a batch that began after it covers it (no sockets, no clock).
#include <doctest/doctest.h>

#include "server/announcements.hpp"

using resonate::server::Announcements;

TEST_CASE("an announcement to an idle server is taken at once") {
  Announcements announcements;
  CHECK(announcements.announced());
}

TEST_CASE("an announcement during a batch is taken by the batch that begins next") {
  Announcements announcements;
  announcements.batch_began(1);
  CHECK_FALSE(announcements.announced());
  // The batcher starts the next batch before the first one's delivery runs.
  announcements.batch_began(2);
  CHECK_FALSE(announcements.batch_finished(1, /*took_everything=*/true));
  // The next batch's take saw the announcement: nothing left to take.
  CHECK_FALSE(announcements.batch_finished(2, /*took_everything=*/true));
}

TEST_CASE("an announcement during the last batch is taken when it finishes") {
  Announcements announcements;
  announcements.batch_began(1);
  CHECK_FALSE(announcements.announced());
  // The running batch began before the announcement: its take may have missed the messages.
  CHECK(announcements.batch_finished(1, /*took_everything=*/true));
}

TEST_CASE("a batch whose take did not run or was cut at its limit covers nothing") {
  Announcements announcements;
  announcements.batch_began(1);
  CHECK_FALSE(announcements.announced());
  announcements.batch_began(2);
  CHECK_FALSE(announcements.batch_finished(1, true));
  // The next batch committed nothing (every request refused), or took a full load.
  CHECK(announcements.batch_finished(2, /*took_everything=*/false));
}

TEST_CASE("batches running at once may finish in any order") {
  Announcements announcements;
  announcements.batch_began(1);
  CHECK_FALSE(announcements.announced());
  announcements.batch_began(2);  // saw the announcement
  // The later batch finishes first and covers it; the earlier one then leaves nothing due.
  CHECK_FALSE(announcements.batch_finished(2, true));
  CHECK_FALSE(announcements.batch_finished(1, true));

  Announcements later_running;
  later_running.batch_began(1);
  CHECK_FALSE(later_running.announced());
  later_running.batch_began(2);
  // Batch 1 finishes while batch 2, which saw the announcement, still runs: wait for it.
  CHECK_FALSE(later_running.batch_finished(1, true));
  CHECK_FALSE(later_running.announced());  // a second one, after batch 2 began
  // Batch 2 finishes having seen only the first: the second is due.
  CHECK(later_running.batch_finished(2, true));
}

TEST_CASE("a take of the delivery loop covers what was announced before it began") {
  Announcements announcements;
  CHECK(announcements.announced());
  const auto mark = announcements.delivery_began();
  announcements.batch_began(1);
  CHECK_FALSE(announcements.announced());  // after the delivery's take began
  announcements.delivery_drained(mark);
  // The batch began after the first announcement but before the second, so a take is still due.
  CHECK(announcements.batch_finished(1, true));

  Announcements drained;
  CHECK(drained.announced());
  drained.delivery_drained(drained.delivery_began());
  drained.batch_began(1);
  // Nothing announced since the delivery drained: no take after a batch without a take.
  CHECK_FALSE(drained.batch_finished(1, /*took_everything=*/false));
}
