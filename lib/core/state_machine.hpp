// The transitions of promises and tasks inside one store transaction (docs §3-§4): creation,
// settlement and its chain (own task, awaiters, listeners), task leases and timers, and the
// background processing of due timeouts and schedules. Request handlers and tick() share it;
// they reach the transaction only through it, so every change of state is made here.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/store.hpp"
#include "wire/records.hpp"
#include "wire/requests.hpp"

namespace resonate::core {

struct CreationMode {
  std::optional<wire::Millis> created_at{};  // overrides now: schedules create at their fire time
  bool dispatch = true;              // false: no execute and no retry timer (task.create)
};

class StateMachine {
 public:
  StateMachine(Transaction& tx, wire::Millis now, wire::Millis retry_interval)
      : tx_(tx), now_(now), retry_interval_(retry_interval) {}

  wire::Millis now() const { return now_; }

  // ---- reads ----
  // Settles `id` by timeout when it is pending past its deadline, then returns it.
  std::optional<wire::Promise> read_promise(std::string_view id);
  // The lazy timeout of read_promise without reading the record when it is not due.
  void expire_if_due(std::string_view id);
  std::optional<wire::Task> read_task(std::string_view id) { return tx_.get_task(id); }
  std::optional<wire::Schedule> read_schedule(std::string_view id) { return tx_.get_schedule(id); }
  std::vector<wire::Promise> search(const PromiseQuery& query) { return tx_.search_promises(query); }
  std::vector<wire::Task> search(const TaskQuery& query) { return tx_.search_tasks(query); }
  std::vector<wire::Schedule> search(const ScheduleQuery& query) { return tx_.search_schedules(query); }

  // ---- promises ----
  // Creates the promise (and its task when it has a target) unless it exists; returns the
  // stored record either way.
  wire::Promise create_promise(const wire::PromiseCreate& creation, CreationMode mode = {});

  // Settles a pending promise and runs the settlement chain.
  wire::Promise settle(wire::Promise promise, wire::PromiseState state, wire::Value value);

  // Records that a promise `awaiter` waits on has settled: a suspended awaiter is re-dispatched, others
  // count it in `resumes`.
  void resume_awaiter(std::string_view awaiter);

  // The pending `awaiter` (a task's promise) is resumed once `awaited` settles.
  // Someone waits for `awaited` (pending): a task (callback) or an address (listener). A promise
  // without a target has no active timeout of its own (resonate-protocol.md §4.2: it would time
  // out only when a request touches it), so that its awaiters are woken at its deadline it gets
  // one now — a workflow awaiting an approval with a timeout resumes when the timeout passes.
  void watch_timeout(const wire::Promise& awaited);

  void add_callback(std::string awaited, std::string awaiter) {
    tx_.add_callback({std::move(awaited), std::move(awaiter)});
  }
  // An unblock message goes to `address` once the pending `awaited` settles.
  void add_listener(std::string awaited, std::string address) {
    tx_.add_listener({std::move(awaited), std::move(address)});
  }

  // ---- tasks: the caller has checked the preconditions ----
  wire::Task acquire(wire::Task task, std::string pid, wire::Millis ttl);
  // Back to pending at the same version and dispatched again (release, lease expiry, continue);
  // the task of a durable sleep not yet due is offered again only at its deadline.
  wire::Task make_pending(wire::Task task);
  // An acquired task waits for `awaited` (all pending): the lease ends, each one resumes it.
  void suspend(wire::Task task, const std::vector<std::string>& awaited);
  // An acquired task asked to suspend on something already settled: it keeps its lease and
  // replays at once, so the resumes counted so far are consumed.
  void continue_replay(wire::Task task);
  // Stops a task until task.continue: no lease, no timers.
  void halt(wire::Task task);
  // Extends the lease of each task that `pid` holds at that version; others are ignored.
  void renew_leases(std::string_view pid, const std::vector<wire::HeldTask>& held);

  // ---- schedules ----
  void create_schedule(const wire::Schedule& schedule) { put_schedule(schedule); }
  bool delete_schedule(std::string_view id) { return tx_.delete_schedule(id); }

  // Promises sharing the branch of task promise `promise`, without it (the replay cache).
  std::vector<wire::Promise> preload(const wire::Promise& promise);

  // Background processing as of now: promise timeouts, task timers, schedules.
  void process_due_timeouts();

  // The earliest promise timeout, task timeout or schedule run this transaction wrote.
  std::optional<wire::Millis> earliest_deadline_written() const { return earliest_deadline_written_; }

 private:
  // Writes that set a deadline, noted for earliest_deadline_written().
  void put_promise_timeout(const wire::PromiseTimeout& timeout);
  void put_task_timeout(const wire::TaskTimeout& timeout);
  void put_schedule(const wire::Schedule& schedule);
  void note_deadline(wire::Millis deadline);

  void settle_by_timeout(wire::Promise promise);
  void run_settlement_chain(const wire::Promise& promise);
  void dispatch(const wire::Task& task, std::string_view address);
  void fire_schedule(wire::Schedule schedule);

  Transaction& tx_;
  wire::Millis now_;
  wire::Millis retry_interval_;
  std::optional<wire::Millis> earliest_deadline_written_{};
};

}  // namespace resonate::core
