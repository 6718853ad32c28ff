// The transitions of promises and tasks inside one store transaction (docs §3-§4): creation,
// settlement and its chain (own task, awaiters, listeners), task leases and timers, and the
// background processing of due timeouts and schedules. Request handlers and tick() share it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/store.hpp"
#include "wire/records.hpp"

namespace resonate::core {

// The data of a promise.create (also carried by task.create and task.fence).
struct PromiseCreation {
  std::string id{};
  wire::Millis timeout_at = 0;
  wire::Value param{};
  wire::Tags tags{};
};

struct CreationMode {
  std::optional<wire::Millis> created_at{};  // overrides now: schedules create at their fire time
  bool dispatch = true;              // false: no execute and no retry timer (task.create)
};

class StateMachine {
 public:
  StateMachine(Transaction& tx, wire::Millis now, wire::Millis retry_interval)
      : tx_(tx), now_(now), retry_interval_(retry_interval) {}

  wire::Millis now() const { return now_; }
  Transaction& tx() { return tx_; }

  // Settles `id` by timeout when it is pending past its deadline, then returns it.
  std::optional<wire::Promise> read_promise(std::string_view id);

  // Creates the promise (and its task when it has a target) unless it exists; returns the
  // stored record either way.
  wire::Promise create_promise(const PromiseCreation& creation, CreationMode mode = {});

  // Settles a pending promise and runs the settlement chain.
  wire::Promise settle(wire::Promise promise, wire::PromiseState state, wire::Value value);

  // Records that a promise `awaiter` waits on has settled: a suspended awaiter is re-dispatched, others
  // count it in `resumes`.
  void resume_awaiter(std::string_view awaiter);

  // Task transitions. The caller has checked the preconditions.
  wire::Task acquire(wire::Task task, std::string pid, wire::Millis ttl);
  // Back to pending at the same version and dispatched again (release, lease expiry, continue).
  wire::Task make_pending(wire::Task task);

  // Promises sharing the branch of task promise `promise`, without it (the replay cache).
  std::vector<wire::Promise> preload(const wire::Promise& promise);

  // Background processing as of now: promise timeouts, task timers, schedules.
  void process_due_timeouts();

 private:
  void settle_by_timeout(wire::Promise promise);
  void run_settlement_chain(const wire::Promise& promise);
  void dispatch(const wire::Task& task, std::string_view address);
  void fire_schedule(wire::Schedule schedule);

  Transaction& tx_;
  wire::Millis now_;
  wire::Millis retry_interval_;
};

}  // namespace resonate::core
