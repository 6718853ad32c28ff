// The transitions of promises and tasks inside one store transaction (docs §3-§4): creation,
// settlement and its chain (own task, awaiters, listeners), task leases and timers, and the
// background processing of due timeouts and schedules. Request handlers and tick() share it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/types.hpp"
#include "store/store.hpp"

namespace resonate::protocol {

// The data of a promise.create (also carried by task.create and task.fence).
struct PromiseCreation {
  std::string id{};
  Millis timeout_at = 0;
  Value param{};
  Tags tags{};
};

struct CreationMode {
  std::optional<Millis> created_at{};  // overrides now: schedules create at their fire time
  bool dispatch = true;              // false: no execute and no retry timer (task.create)
};

class StateMachine {
 public:
  StateMachine(store::Transaction& tx, Millis now, Millis retry_interval)
      : tx_(tx), now_(now), retry_interval_(retry_interval) {}

  Millis now() const { return now_; }
  store::Transaction& tx() { return tx_; }

  // Settles `id` by timeout when it is pending past its deadline, then returns it.
  std::optional<Promise> read_promise(std::string_view id);

  // Creates the promise (and its task when it has a target) unless it exists; returns the
  // stored record either way.
  Promise create_promise(const PromiseCreation& creation, CreationMode mode = {});

  // Settles a pending promise and runs the settlement chain.
  Promise settle(Promise promise, PromiseState state, Value value);

  // Records that a promise `awaiter` waits on has settled: a suspended awaiter is re-dispatched, others
  // count it in `resumes`.
  void resume_awaiter(std::string_view awaiter);

  // Task transitions. The caller has checked the preconditions.
  Task acquire(Task task, std::string pid, Millis ttl);
  // Back to pending at the same version and dispatched again (release, lease expiry, continue).
  Task make_pending(Task task);

  // Promises sharing the branch of task promise `promise`, without it (the replay cache).
  std::vector<Promise> preload(const Promise& promise);

  // Background processing as of now: promise timeouts, task timers, schedules.
  void process_due_timeouts();

 private:
  void settle_by_timeout(Promise promise);
  void run_settlement_chain(const Promise& promise);
  void dispatch(const Task& task, std::string_view address);
  void fire_schedule(Schedule schedule);

  store::Transaction& tx_;
  Millis now_;
  Millis retry_interval_;
};

}  // namespace resonate::protocol
