#include "core/state_machine.hpp"

#include <algorithm>

#include <boost/json/serialize.hpp>

#include "wire/clock.hpp"
#include "wire/cron.hpp"
#include "wire/json_codec.hpp"
#include "wire/messages.hpp"

namespace resonate::core {

// The core speaks the records and codec of the wire layer throughout.
using namespace resonate::wire;

namespace {

// Upper bounds of one background pass, so a huge backlog cannot stall the caller; the next
// pass continues where this one stopped.
constexpr std::size_t due_batch = 1000;
constexpr int schedule_catch_up_limit = 1000;

bool is_timer(const Promise& promise) { return promise.tag(tag::timer) == "true"; }

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace

std::optional<Promise> StateMachine::read_promise(std::string_view id) {
  auto promise = tx_.get_promise(id);
  if (promise && promise->pending() && promise->timeout_at <= now_) {
    settle_by_timeout(*promise);
    promise = tx_.get_promise(id);
  }
  return promise;
}

void StateMachine::expire_if_due(std::string_view id) {
  if (tx_.promise_due(id, now_)) read_promise(id);
}

Promise StateMachine::create_promise(const PromiseCreate& creation, CreationMode mode) {
  if (auto existing = read_promise(creation.id)) return *existing;

  Promise promise;
  promise.id = creation.id;
  promise.param = creation.param;
  promise.tags = creation.tags;
  promise.timeout_at = creation.timeout_at;
  const Millis created = mode.created_at.value_or(now_);
  const auto target = promise.tag(tag::target);
  const bool has_target = promise.has_tag(tag::target);

  if (created >= creation.timeout_at || now_ >= creation.timeout_at) {
    // Born expired: settled at its deadline, its task (if any) already done.
    promise.state = is_timer(promise) ? PromiseState::resolved : PromiseState::rejected_timedout;
    promise.created_at = promise.timeout_at;
    promise.settled_at = promise.timeout_at;
    tx_.put_promise(promise);
    if (has_target) tx_.put_task(Task{.id = promise.id, .state = TaskState::fulfilled});
    return promise;
  }

  promise.state = PromiseState::pending;
  promise.created_at = created;
  tx_.put_promise(promise);
  if (!has_target) return promise;

  put_promise_timeout({promise.id, promise.timeout_at});
  Task task{.id = promise.id, .state = TaskState::pending};
  tx_.put_task(task);
  if (!mode.dispatch) return promise;
  if (promise.has_tag(tag::delay)) {
    const Millis delay = std::stoll(std::string(promise.tag(tag::delay)));  // validated on input
    if (now_ < delay) {
      put_task_timeout({task.id, TaskTimeoutType::retry, delay});
      return promise;
    }
  }
  put_task_timeout({task.id, TaskTimeoutType::retry, wire::deadline_after(now_, retry_interval_)});
  dispatch(task, target);
  return promise;
}

Promise StateMachine::settle(Promise promise, PromiseState state, Value value) {
  promise.state = state;
  promise.value = std::move(value);
  promise.settled_at = now_;
  run_settlement_chain(promise);
  return promise;
}

void StateMachine::settle_by_timeout(Promise promise) {
  promise.state = is_timer(promise) ? PromiseState::resolved : PromiseState::rejected_timedout;
  promise.settled_at = promise.timeout_at;
  run_settlement_chain(promise);
}

void StateMachine::run_settlement_chain(const Promise& promise) {
  tx_.put_promise(promise);
  tx_.delete_promise_timeout(promise.id);

  if (auto task = tx_.get_task(promise.id); task && task->state != TaskState::fulfilled) {
    task->state = TaskState::fulfilled;
    task->ttl.reset();
    task->pid.reset();
    tx_.put_task(*task);
    tx_.delete_task_timeout(task->id);
    tx_.delete_callbacks_of(task->id);
  }

  for (const auto& awaiter : tx_.take_callbacks_on(promise.id)) resume_awaiter(awaiter);

  // Built only when someone listens: most settlements (every step) have no listener.
  const auto listeners = tx_.take_listeners_on(promise.id);
  if (listeners.empty()) return;
  const auto message = boost::json::serialize(to_json(UnblockMessage{promise}));
  for (const auto& address : listeners) {
    tx_.put_message({"unblock:" + promise.id + "\n" + address, address, message});
  }
}

void StateMachine::resume_awaiter(std::string_view awaiter) {
  auto task = tx_.get_task(awaiter);
  if (!task) return;
  switch (task->state) {
    case TaskState::suspended: {
      // A task whose own promise is over (or due to time out now) is never resumed.
      auto promise = tx_.get_promise(awaiter);
      if (!promise || !promise->pending() || promise->timeout_at <= now_) return;
      task->resumes += 1;
      task = make_pending(*task);
      return;
    }
    case TaskState::pending:
    case TaskState::acquired:
    case TaskState::halted:
      task->resumes += 1;
      tx_.put_task(*task);
      return;
    case TaskState::fulfilled:
      return;
  }
}

Task StateMachine::acquire(Task task, std::string pid, Millis ttl) {
  task.state = TaskState::acquired;
  task.version += 1;
  task.resumes = 0;
  task.pid = std::move(pid);
  task.ttl = ttl;
  tx_.put_task(task);
  put_task_timeout({task.id, TaskTimeoutType::lease, wire::deadline_after(now_, ttl)});
  return task;
}

Task StateMachine::make_pending(Task task) {
  task.state = TaskState::pending;
  task.pid.reset();
  task.ttl.reset();
  tx_.put_task(task);
  const auto promise = tx_.get_promise(task.id);
  // A durable sleep's task is a by-product (the promise resolves at its deadline and the task
  // with it): a worker that gave it back before then has nothing to do with it, and offering it
  // again at once makes a hot loop with SDKs that release what they cannot run. It waits.
  if (promise && is_timer(*promise) && promise->pending() && now_ < promise->timeout_at) {
    put_task_timeout({task.id, TaskTimeoutType::retry, promise->timeout_at});
    return task;
  }
  put_task_timeout({task.id, TaskTimeoutType::retry, wire::deadline_after(now_, retry_interval_)});
  if (promise) dispatch(task, promise->tag(tag::target));
  return task;
}

void StateMachine::put_promise_timeout(const PromiseTimeout& timeout) {
  tx_.put_promise_timeout(timeout);
  note_deadline(timeout.timeout);
}

void StateMachine::put_task_timeout(const TaskTimeout& timeout) {
  tx_.put_task_timeout(timeout);
  note_deadline(timeout.timeout);
}

void StateMachine::put_schedule(const Schedule& schedule) {
  tx_.put_schedule(schedule);
  note_deadline(schedule.next_run_at);
}

void StateMachine::note_deadline(Millis deadline) {
  if (!earliest_deadline_written_ || deadline < *earliest_deadline_written_) earliest_deadline_written_ = deadline;
}

void StateMachine::watch_timeout(const Promise& awaited) {
  if (awaited.pending() && !awaited.has_tag(tag::target)) put_promise_timeout({awaited.id, awaited.timeout_at});
}

void StateMachine::suspend(Task task, const std::vector<std::string>& awaited) {
  for (const auto& id : awaited) tx_.add_callback({id, task.id});
  task.state = TaskState::suspended;
  task.resumes = 0;
  task.pid.reset();
  task.ttl.reset();
  tx_.put_task(task);
  tx_.delete_task_timeout(task.id);
}

void StateMachine::continue_replay(Task task) {
  task.resumes = 0;
  tx_.put_task(task);
}

void StateMachine::halt(Task task) {
  task.state = TaskState::halted;
  task.pid.reset();
  task.ttl.reset();
  tx_.put_task(task);
  tx_.delete_task_timeout(task.id);
}

void StateMachine::renew_leases(std::string_view pid, const std::vector<HeldTask>& held) {
  for (const auto& entry : held) {
    auto task = tx_.get_task(entry.id);
    if (task && task->state == TaskState::acquired && task->version == entry.version && task->pid == pid &&
        task->ttl) {
      put_task_timeout({entry.id, TaskTimeoutType::lease, wire::deadline_after(now_, *task->ttl)});
    }
  }
}

void StateMachine::dispatch(const Task& task, std::string_view address) {
  tx_.put_message({"execute:" + task.id, std::string(address),
                   boost::json::serialize(to_json(ExecuteMessage{task.id, task.version}))});
}

std::vector<Promise> StateMachine::preload(const Promise& promise) {
  auto branch = promise.tag(tag::branch);
  if (branch.empty()) return {};
  auto promises = tx_.promises_in_branch(branch);
  std::erase_if(promises, [&](const Promise& p) { return p.id == promise.id; });
  return promises;
}

void StateMachine::process_due_timeouts() {
  for (const auto& due : tx_.due_promise_timeouts(now_, due_batch)) {
    auto promise = tx_.get_promise(due.id);
    if (promise && promise->pending()) {
      settle_by_timeout(*promise);
    } else {
      tx_.delete_promise_timeout(due.id);
    }
  }

  for (const auto& due : tx_.due_task_timeouts(now_, due_batch)) {
    auto task = tx_.get_task(due.id);
    const bool retry = due.type == TaskTimeoutType::retry && task && task->state == TaskState::pending;
    const bool lease = due.type == TaskTimeoutType::lease && task && task->state == TaskState::acquired;
    if (retry || lease) {
      make_pending(*task);  // re-dispatch; a lapsed lease goes back to the group
    } else {
      tx_.delete_task_timeout(due.id);
    }
  }

  for (auto& schedule : tx_.due_schedules(now_, due_batch)) fire_schedule(std::move(schedule));
}

void StateMachine::fire_schedule(Schedule schedule) {
  auto cron = Cron::parse(schedule.cron);  // validated at creation
  for (int fired_slots = 0; schedule.next_run_at <= now_ && fired_slots < schedule_catch_up_limit; ++fired_slots) {
    const Millis fired = schedule.next_run_at;
    PromiseCreate creation;
    creation.id = replace_all(replace_all(schedule.promise_id, "{{.id}}", schedule.id), "{{.timestamp}}",
                              std::to_string(fired));
    creation.timeout_at = wire::deadline_after(fired, schedule.promise_timeout);
    creation.param = schedule.promise_param;
    creation.tags = schedule.promise_tags;
    creation.tags[std::string(tag::schedule)] = schedule.id;
    for (auto name : {tag::origin, tag::branch, tag::parent, tag::prefix}) creation.tags[std::string(name)] = creation.id;
    create_promise(creation, {.created_at = fired});

    schedule.last_run_at = fired;
    auto next = cron ? cron->next_after(fired) : std::nullopt;
    if (!next) {
      tx_.delete_schedule(schedule.id);  // the expression has no future instant
      return;
    }
    schedule.next_run_at = *next;
  }
  put_schedule(schedule);
}

}  // namespace resonate::core
