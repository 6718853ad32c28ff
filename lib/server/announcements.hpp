// When a replica must take the shared outbox for what other replicas announced (PostgreSQL:
// NOTIFY after their commit), and when a take it runs anyway covers it.
//
// Every batch of requests ends with a take of the outbox (core::OutboxTake), and a take sees
// every message committed before it began. So an announcement that arrives while batches run
// needs no take of its own when another batch begins after it: that batch's take finds the
// messages. Only a server with no batch to follow takes at once. Under load this saves a round
// trip and a transaction per announcement, and the empty takes of the replicas that lose the
// race for a group's message (resonate_outbox_takes_total{outcome="empty"}).
//
// A pure state machine (no I/O, no clock), used on the server's I/O thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>

namespace resonate::server {

class Announcements {
 public:
  // Another replica announced messages this server's streams can carry. True: take them now;
  // false: batches are running, and batch_finished says whether one begun later takes them.
  bool announced() {
    ++announced_;
    return running_.empty();
  }

  // Batch number `batch` begins: its take will see all that was announced so far. Batches are
  // numbered in the order they begin; several may run at once, and finish in any order.
  void batch_began(std::uint64_t batch) { running_[batch] = announced_; }

  // Batch `batch` finished; `took_everything`: its take ran and was not cut at its limit.
  // True: take now, something announced is covered by no take, finished or running.
  bool batch_finished(std::uint64_t batch, bool took_everything) {
    if (const auto found = running_.find(batch); found != running_.end()) {
      if (took_everything) covered_ = std::max(covered_, found->second);
      running_.erase(found);
    }
    // The batch begun last saw the most.
    const bool running_batch_covers = !running_.empty() && running_.rbegin()->second == announced_;
    return announced_ > covered_ && !running_batch_covers;
  }

  // The delivery loop's own take: the mark to hand back once it drained everything it may carry.
  std::uint64_t delivery_began() const { return announced_; }
  void delivery_drained(std::uint64_t mark) { covered_ = std::max(covered_, mark); }

 private:
  std::uint64_t announced_ = 0;  // announcements counted so far
  std::uint64_t covered_ = 0;    // the most of them a finished take is known to have seen
  std::map<std::uint64_t, std::uint64_t> running_;  // batch → announced_ when it began
};

}  // namespace resonate::server
