#include "core/operations.hpp"

#include <algorithm>
#include <set>

#include "wire/cron.hpp"
#include "wire/json_codec.hpp"
#include "wire/responses.hpp"

namespace resonate::core {

// The core speaks the records and messages of the wire layer throughout.
using namespace resonate::wire;

namespace json = boost::json;

namespace {

// ---- shared lookups ------------------------------------------------------------------

Promise require_promise(StateMachine& machine, std::string_view id) {
  auto promise = machine.read_promise(id);
  if (!promise) throw Failure(404, std::string(promise_not_found));
  return *promise;
}

// Reads the task after settling its promise by timeout if due (lazy timeout).
Task require_task(StateMachine& machine, std::string_view id) {
  machine.expire_if_due(id);
  auto task = machine.read_task(id);
  if (!task) throw Failure(404, "Task not found");
  return *task;
}

bool held_at(const Task& task, std::int64_t version) {
  return task.state == TaskState::acquired && task.version == version;
}

OperationResult ok(json::object data) { return {200, std::move(data)}; }

OperationResult promise_answer(const Promise& promise) { return ok(to_json(PromiseResult{promise})); }

OperationResult task_answer(StateMachine& machine, const Task& task, const Promise& promise, bool with_preload) {
  AcquiredTask answer{task, promise};
  if (with_preload) answer.preload = to_json(machine.preload(promise));
  return ok(to_json(std::move(answer)));
}

// Rows are fetched this many at a time, so that a search over large records never holds many
// of them at once.
constexpr std::size_t search_chunk = 25;

// Roughly what a record adds to an answer: its payloads and tags plus the fixed members.
std::size_t tags_bytes(const Tags& tags) {
  std::size_t bytes = 0;
  for (const auto& [key, value] : tags) bytes += key.size() + value.size() + 6;
  return bytes;
}
std::size_t payload_bytes(const Value& value) { return value.data ? value.data->size() : 0; }
std::size_t answer_bytes(const Promise& p) {
  return 160 + p.id.size() + payload_bytes(p.param) + payload_bytes(p.value) + tags_bytes(p.tags);
}
std::size_t answer_bytes(const Task& t) { return 120 + t.id.size() + (t.pid ? t.pid->size() : 0); }
std::size_t answer_bytes(const Schedule& s) {
  return 200 + s.id.size() + s.cron.size() + s.promise_id.size() + payload_bytes(s.promise_param) +
         tags_bytes(s.promise_tags);
}

// One page of a search: at most `limit` rows and, past its first row, at most `max_bytes` of
// answer. The cursor (the last id on the page) is present only when more results exist.
template <typename Page, typename Query>
Page search_page(StateMachine& machine, Query query, std::size_t limit, std::size_t max_bytes) {
  decltype(machine.search(query)) rows;
  std::size_t bytes = 0;
  for (;;) {
    const std::size_t wanted = std::min(search_chunk, limit - rows.size());
    query.limit = wanted + 1;  // the extra row tells whether more exist
    auto chunk = machine.search(query);
    const bool more = chunk.size() > wanted;
    if (more) chunk.resize(wanted);
    for (auto& row : chunk) {
      const auto size = answer_bytes(row);
      if (!rows.empty() && bytes + size > max_bytes) {
        auto cursor = rows.back().id;  // before the rows move
        return Page{std::move(rows), std::move(cursor)};
      }
      bytes += size;
      rows.push_back(std::move(row));
    }
    if (!more) return Page{std::move(rows), std::nullopt};
    if (rows.size() == limit) {
      auto cursor = rows.back().id;
      return Page{std::move(rows), std::move(cursor)};
    }
    query.cursor = rows.back().id;
  }
}

// ---- the operations, one overload per request ------------------------------------------

struct Operations {
  OperationContext& context;
  StateMachine& machine = context.machine;

  // -- promises --

  OperationResult operator()(const PromiseGet& request) { return promise_answer(require_promise(machine, request.id)); }

  OperationResult operator()(const PromiseCreate& request) { return promise_answer(machine.create_promise(request)); }

  OperationResult operator()(const PromiseSettle& request) {
    auto promise = require_promise(machine, request.id);
    if (!promise.pending()) return promise_answer(promise);
    return promise_answer(machine.settle(promise, request.state, request.value));
  }

  OperationResult operator()(const PromiseRegisterCallback& request) {
    auto awaited = machine.read_promise(request.awaited);
    auto awaiter = machine.read_promise(request.awaiter);
    if (!awaited) throw Failure(404, "Awaited promise not found");
    if (!awaiter) throw Failure(422, "Awaiter promise not found");
    if (!awaiter->has_tag(tag::target)) throw Failure(422, "Awaiter promise has no resonate:target tag");
    if (awaiter->pending()) {
      if (awaited->pending()) {
        machine.watch_timeout(*awaited);
        machine.add_callback(request.awaited, request.awaiter);
      } else {
        machine.resume_awaiter(request.awaiter);
      }
    }
    return promise_answer(*awaited);
  }

  OperationResult operator()(const PromiseRegisterListener& request) {
    auto awaited = machine.read_promise(request.awaited);
    if (!awaited) throw Failure(404, "Awaited promise not found");
    if (awaited->pending()) {
      machine.watch_timeout(*awaited);
      machine.add_listener(request.awaited, request.address);
    }
    return promise_answer(*awaited);
  }

  OperationResult operator()(const PromiseSearch& request) {
    PromiseQuery query{request.state, request.tags, request.cursor};
    return ok(to_json(search_page<PromisePage>(machine, std::move(query), request.limit, context.max_page_bytes)));
  }

  // -- tasks --

  OperationResult operator()(const TaskGet& request) {
    return ok(to_json(TaskResult{require_task(machine, request.id)}));
  }

  OperationResult operator()(const TaskCreate& request) {
    const auto& creation = request.action;
    if (auto existing = machine.read_promise(creation.id)) {
      auto task = machine.read_task(creation.id);
      if (!task) throw Failure(422, "The promise does not have a resonate:target tag");
      switch (task->state) {
        case TaskState::pending:
          return task_answer(machine, machine.acquire(*task, request.pid, request.ttl), *existing, true);
        case TaskState::fulfilled:
          return task_answer(machine, *task, *existing, false);
        default:
          throw Failure(409, "Already exists");
      }
    }
    // Created and acquired in one step: the caller runs it now, so no execute goes out.
    auto promise = machine.create_promise(creation, {.dispatch = false});
    auto task = machine.read_task(promise.id);
    if (!promise.pending()) return task_answer(machine, *task, promise, false);
    return task_answer(machine, machine.acquire(*task, request.pid, request.ttl), promise, true);
  }

  OperationResult operator()(const TaskAcquire& request) {
    auto task = require_task(machine, request.id);
    if (task.state != TaskState::pending) throw Failure(409, "Task is not pending");
    if (task.version != request.version) throw Failure(409, "Version mismatch");
    auto promise = require_promise(machine, request.id);
    return task_answer(machine, machine.acquire(task, request.pid, request.ttl), promise, true);
  }

  OperationResult operator()(const TaskRelease& request) {
    auto task = require_task(machine, request.id);
    if (!held_at(task, request.version)) throw Failure(409, "Task version mismatch or invalid state");
    machine.make_pending(task);
    return ok({});
  }

  OperationResult operator()(const TaskFulfill& request) {
    auto task = require_task(machine, request.id);
    if (!held_at(task, request.version)) throw Failure(409, "Task version mismatch or invalid state");
    auto promise = require_promise(machine, request.id);
    return promise_answer(machine.settle(promise, request.action.state, request.action.value));
  }

  OperationResult operator()(const TaskSuspend& request) {
    const std::set<std::string> awaited_ids(request.awaited.begin(), request.awaited.end());
    std::vector<Promise> awaited;
    for (const auto& awaited_id : awaited_ids) {
      if (auto promise = machine.read_promise(awaited_id)) awaited.push_back(std::move(*promise));
    }
    auto task = require_task(machine, request.id);
    if (!held_at(task, request.version)) throw Failure(409, "Task is not acquired or version mismatch");
    if (awaited.size() != awaited_ids.size()) throw Failure(422, "Awaited promise not found");

    if (std::any_of(awaited.begin(), awaited.end(), [](const Promise& p) { return !p.pending(); })) {
      // Something it waits for is already done: keep the lease and go on replaying.
      machine.continue_replay(task);
      auto promise = require_promise(machine, request.id);
      return {300, to_json(Preload{to_json(machine.preload(promise))})};
    }

    for (const auto& promise : awaited) machine.watch_timeout(promise);
    machine.suspend(task, {awaited_ids.begin(), awaited_ids.end()});
    return ok({});
  }

  OperationResult operator()(const TaskFence& request) {
    auto fenced = fence(request, machine);
    FenceResult answer;
    answer.action.corr_id = context.corr_id;
    answer.action.kind = std::visit([](const auto& action) { return action.kind; }, request.action);
    answer.action.status = fenced.status;
    if (fenced.status == 200) {
      answer.action.data = to_json(PromiseResult{std::move(fenced.promise)});
    } else {
      answer.action.data = promise_not_found;
    }
    if (context.fence_preload) answer.preload = to_json(machine.preload(require_promise(machine, request.id)));
    return ok(to_json(std::move(answer)));
  }

  OperationResult operator()(const TaskHeartbeat& request) {
    machine.renew_leases(request.pid, request.tasks);
    return ok({});
  }

  OperationResult operator()(const TaskHalt& request) {
    auto task = require_task(machine, request.id);
    if (task.state == TaskState::fulfilled) throw Failure(409, "Task is fulfilled");
    if (task.state != TaskState::halted) machine.halt(task);
    return ok({});
  }

  OperationResult operator()(const TaskContinue& request) {
    auto task = require_task(machine, request.id);
    if (task.state != TaskState::halted) throw Failure(409, "Task is not halted");
    machine.make_pending(task);
    return ok({});
  }

  OperationResult operator()(const TaskSearch& request) {
    TaskQuery query{request.state, request.cursor};
    return ok(to_json(search_page<TaskPage>(machine, std::move(query), request.limit, context.max_page_bytes)));
  }

  // -- schedules --

  OperationResult operator()(const ScheduleCreate& request) {
    if (auto existing = machine.read_schedule(request.id)) return ok(to_json(ScheduleResult{*existing}));
    auto next = Cron::parse(request.cron)->next_after(machine.now());  // the cron was checked when read
    if (!next) throw InvalidRequest("Invalid cron expression: it never fires");
    Schedule schedule;
    schedule.id = request.id;
    schedule.cron = request.cron;
    schedule.promise_id = request.promise_id;
    schedule.promise_timeout = request.promise_timeout;
    schedule.promise_param = request.promise_param;
    schedule.promise_tags = request.promise_tags;
    schedule.created_at = machine.now();
    schedule.next_run_at = *next;
    machine.create_schedule(schedule);
    return ok(to_json(ScheduleResult{std::move(schedule)}));
  }

  OperationResult operator()(const ScheduleGet& request) {
    auto schedule = machine.read_schedule(request.id);
    if (!schedule) throw Failure(404, "Schedule not found");
    return ok(to_json(ScheduleResult{std::move(*schedule)}));
  }

  OperationResult operator()(const ScheduleDelete& request) {
    if (!machine.delete_schedule(request.id)) throw Failure(404, "Schedule not found");
    return ok({});
  }

  OperationResult operator()(const ScheduleSearch& request) {
    ScheduleQuery query{request.tags, request.cursor};
    return ok(to_json(search_page<SchedulePage>(machine, std::move(query), request.limit, context.max_page_bytes)));
  }
};

}  // namespace

FencedAction fence(const TaskFence& request, StateMachine& machine) {
  auto task = require_task(machine, request.id);
  if (!held_at(task, request.version)) throw Failure(409, "Version mismatch");
  if (const auto* creation = std::get_if<PromiseCreate>(&request.action)) {
    return {200, machine.create_promise(*creation)};
  }
  const auto& settlement = std::get<PromiseSettle>(request.action);
  auto promise = machine.read_promise(settlement.id);
  if (!promise) return {404, {}};
  if (!promise->pending()) return {200, std::move(*promise)};
  return {200, machine.settle(std::move(*promise), settlement.state, settlement.value)};
}

OperationResult perform(const Request& request, OperationContext& context) {
  return std::visit(Operations{context}, request);
}

}  // namespace resonate::core
