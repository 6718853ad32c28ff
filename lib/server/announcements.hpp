// When a replica must take the shared outbox for what other replicas announced (PostgreSQL:
// NOTIFY after their commit), and when a take it runs anyway covers it.
//
// Every batch of requests ends with a take of the outbox (core::OutboxTake), and a take sees
// every message committed before it began. So an announcement that arrives while a batch runs
// needs no take of its own when another batch begins after it: that batch's take finds the
// messages. Only a server with no batch to follow takes at once. Under load this saves a round
// trip and a transaction per announcement, and the empty takes of the replicas that lose the
// race for a group's message (resonate_outbox_takes_total{outcome="empty"}).
//
// A pure state machine (no I/O, no clock), used on the server's I/O thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>

namespace resonate::server {

class Announcements {
 public:
  // Another replica announced messages this server's streams can carry. True: take them now;
  // false: a batch is running, and batch_finished says whether one after it takes them.
  bool announced(bool batch_running) {
    ++announced_;
    return !batch_running;
  }

  // A batch begins (its take will see all that was announced so far). Batches begin and
  // finish in order, the next one possibly before the last one's batch_finished.
  void batch_began() { batches_.push_back(announced_); }

  // The oldest batch that began has finished. `took_everything`: its take ran and was not cut at
  // its limit. `next_batch_began`: the batcher already started another. True: take now,
  // something announced is covered by no take.
  bool batch_finished(bool took_everything, bool next_batch_began) {
    if (!batches_.empty()) {
      if (took_everything) covered_ = std::max(covered_, batches_.front());
      batches_.pop_front();
    }
    return announced_ > covered_ && !next_batch_began;
  }

  // The delivery loop's own take: the mark to hand back once it drained everything it may carry.
  std::uint64_t delivery_began() const { return announced_; }
  void delivery_drained(std::uint64_t mark) { covered_ = std::max(covered_, mark); }

 private:
  std::uint64_t announced_ = 0;     // announcements counted so far
  std::uint64_t covered_ = 0;       // the most of them a finished take is known to have seen
  std::deque<std::uint64_t> batches_;  // announced_ when each running batch began
};

}  // namespace resonate::server
