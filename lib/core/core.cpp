#include "core/core.hpp"

#include <iterator>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/operations.hpp"
#include "core/read_ahead.hpp"
#include "core/state_machine.hpp"
#include "wire/envelope.hpp"
#include "wire/json_codec.hpp"
#include "wire/requests.hpp"

namespace resonate::core {

// The core speaks the records and codec of the wire layer throughout.
using namespace resonate::wire;

namespace json = boost::json;

namespace {

// The status and message that answer the exception being handled (call inside a catch block):
// 400 for a malformed request, the protocol's status for a Failure, 500 for anything else.
std::pair<int, std::string> failure_of_current_exception() {
  try {
    throw;
  } catch (const InvalidRequest& invalid) {
    return {400, invalid.what()};
  } catch (const Failure& failure) {
    return {failure.status(), failure.what()};
  } catch (const std::exception& internal) {
    return {500, std::string("Internal error: ") + internal.what()};
  } catch (...) {
    return {500, "Internal error"};
  }
}

// Whether the exception being handled is an answer of the protocol (400, or a Failure's status)
// rather than a fault (call inside a catch block).
bool answered_by_protocol() {
  try {
    throw;
  } catch (const InvalidRequest&) {
    return true;
  } catch (const Failure&) {
    return true;
  } catch (...) {
    return false;
  }
}

// Thrown out of a batch run without savepoints when a request failed after changing something:
// the batch runs again, with a savepoint per request.
struct UndoNeeded {};

json::object snapshot(Transaction& tx) {
  json::array promises, tasks, promise_timeouts, task_timeouts, callbacks, listeners, messages;
  for (const auto& promise : tx.all_promises()) promises.push_back(to_json(promise));
  for (const auto& task : tx.all_tasks()) tasks.push_back(to_json(task));
  for (const auto& entry : tx.all_promise_timeouts()) {
    promise_timeouts.push_back(json::object{{"id", entry.id}, {"timeout", entry.timeout}});
  }
  for (const auto& entry : tx.all_task_timeouts()) {
    task_timeouts.push_back(
        json::object{{"id", entry.id}, {"type", static_cast<int>(entry.type)}, {"timeout", entry.timeout}});
  }
  for (const auto& callback : tx.all_callbacks()) {
    callbacks.push_back(json::object{{"awaiter", callback.awaiter}, {"awaited", callback.awaited}});
  }
  for (const auto& listener : tx.all_listeners()) {
    listeners.push_back(json::object{{"id", listener.id}, {"address", listener.address}});
  }
  for (const auto& message : tx.all_messages()) {
    messages.push_back(json::object{{"address", message.address}, {"message", json::parse(message.body)}});
  }
  return json::object{{"promises", std::move(promises)},       {"promiseTimeouts", std::move(promise_timeouts)},
                      {"callbacks", std::move(callbacks)},     {"listeners", std::move(listeners)},
                      {"tasks", std::move(tasks)},             {"taskTimeouts", std::move(task_timeouts)},
                      {"messages", std::move(messages)}};
}

// How many times one transaction (or one group-commit batch) is run in all when it keeps
// failing with StoreConflict (a race lost to another server, a connection broken before the
// commit) before its requests are answered 500. A loser runs again after the winner committed,
// so a second run nearly always succeeds.
constexpr int conflict_attempts = 10;

}  // namespace

// Runs `attempt` (one whole transaction) again while it fails with StoreConflict, at most
// conflict_attempts times in all; the last conflict propagates.
template <typename Attempt>
auto Core::retrying(Attempt attempt) -> decltype(attempt()) {
  for (int run = 1;; ++run) {
    try {
      return attempt();
    } catch (const StoreConflict&) {
      conflicts_.fetch_add(1, std::memory_order_relaxed);
      if (run == conflict_attempts) throw;
    }
  }
}

Core::Core(Store& store, CoreOptions options) : store_(store), options_(std::move(options)) {}

// A request checked as far as it can be without the store: answered already (malformed,
// refused), a debug operation, or a typed operation to perform in a transaction.
struct Core::Admission {
  RequestIdentity identity;
  Millis now = 0;
  std::optional<json::object> answer{};
  std::string debug_kind{};  // not empty: a debug.* operation
  json::object debug_data{};
  std::optional<Millis> debug_time{};
  std::optional<Request> request{};

  json::object reply(int status, json::value data) const {
    return to_json(Response{identity.kind, identity.corr_id, status, std::move(data)});
  }
  json::object error(int status, std::string message) const { return reply(status, json::string(message)); }

  // The answer for the exception being handled (call inside a catch block).
  json::object failed() const {
    auto [status, message] = failure_of_current_exception();
    return error(status, std::move(message));
  }
};

namespace {

Reply to_reply(const json::object& envelope) {
  return {static_cast<int>(envelope.at("head").at("status").as_int64()), json::serialize(envelope)};
}

}  // namespace

std::optional<Reply> Core::read_body(std::string_view body, json::value& request) const {
  if (body.size() > options_.max_request_bytes) return Reply{413, "Request body too large"};
  boost::system::error_code error;
  request = json::parse(body, error);
  if (!error) return std::nullopt;
  const auto message = "Invalid request: body is not valid JSON (" + error.message() + ")";
  return to_reply(to_json(Response{"unknown", "0", 400, json::string(message)}));
}

Reply Core::apply(Millis now, std::string_view body, const RequestMetadata& metadata) {
  json::value request;
  if (auto early = read_body(body, request)) return std::move(*early);
  return to_reply(apply(now, request, metadata));
}

Core::Admission Core::admit(Millis now, const json::value& request, const RequestMetadata& metadata) {
  Admission admission;
  admission.identity = identify_request(request);
  admission.now = now;
  try {
    const auto received = read_request_envelope(request);
    const auto* debug_time = received.head.if_contains("resonate:debug_time");
    if (options_.debug && debug_time != nullptr) {  // honoured only in debug mode
      if (!debug_time->is_int64()) {
        admission.answer = admission.error(400, "Invalid request: head.resonate:debug_time must be an integer");
        return admission;
      }
      admission.now = debug_time->get_int64();
      admission.debug_time = admission.now;
    }
    if (options_.authorize) {
      auto [status, message] = options_.authorize(request.get_object(), metadata);
      if (status != 0) {
        admission.answer = admission.error(status, message);
        return admission;
      }
    }
    if (received.kind.starts_with("debug.")) {
      if (!options_.debug) {
        admission.answer = admission.error(403, "Debug operations are disabled");
      } else {
        admission.debug_kind = received.kind;
        admission.debug_data = received.data;
      }
      return admission;
    }
    admission.request = request_from_json(received.kind, received.data);
  } catch (...) {
    admission.answer = admission.failed();
  }
  return admission;
}

json::object Core::run_debug(const Admission& admission) {
  const auto& kind = admission.debug_kind;
  try {
    if (kind == "debug.start" || kind == "debug.stop") {
      paused_ = kind == "debug.start";
      return admission.reply(200, json::object{});
    }
    if (kind == "debug.reset") {
      auto tx = store_.begin();
      tx->clear();
      tx->commit();
      return admission.reply(200, json::object{});
    }
    if (kind == "debug.tick") {
      const auto* time = admission.debug_data.if_contains("time");
      if (time == nullptr || !time->is_int64()) {
        return admission.error(400, "Invalid request: data.time must be an integer");
      }
      if (admission.debug_time && *admission.debug_time != time->get_int64()) {
        return admission.error(400, "data.time must equal head.resonate:debug_time");
      }
      tick(time->get_int64());
      return admission.reply(200, json::array{});
    }
    if (kind == "debug.snap") {
      auto tx = store_.begin();
      auto snap = snapshot(*tx);
      tx->commit();
      return admission.reply(200, std::move(snap));
    }
    return admission.error(400, "Unknown operation: " + kind);
  } catch (...) {
    return admission.failed();
  }
}

json::object Core::apply(Millis now, const json::value& request, const RequestMetadata& metadata) {
  auto admission = admit(now, request, metadata);
  if (admission.answer) return std::move(*admission.answer);
  if (!admission.debug_kind.empty()) return run_debug(admission);
  try {
    return retrying([&] {
      auto tx = store_.begin();
      StateMachine machine(*tx, admission.now, options_.retry_interval);
      auto answer = perform_admitted(machine, admission);
      tx->commit();
      note_deadline(machine.earliest_deadline_written());
      return answer;
    });
  } catch (...) {
    return admission.failed();  // the transaction, destroyed uncommitted, undid the writes
  }
}

FencedPromise Core::fence(Millis now, const TaskFence& request) {
  FencedPromise answer;
  try {
    // The JSON path's admission makes these checks; here only they apply (no envelope, no
    // debug time, no authorization: a core with `authorize` refuses the typed path).
    if (options_.authorize) throw std::logic_error("Core::fence: typed requests bypass authorization");
    check(request);
    auto fenced = retrying([&] {
      auto tx = store_.begin();
      StateMachine machine(*tx, now, options_.retry_interval);
      auto result = core::fence(request, machine);
      tx->commit();
      note_deadline(machine.earliest_deadline_written());
      return result;
    });
    answer.action_status = fenced.status;
    if (fenced.status == 200) {
      answer.promise = std::move(fenced.promise);
    } else {
      answer.message = promise_not_found;
    }
  } catch (...) {
    std::tie(answer.status, answer.message) = failure_of_current_exception();
  }
  return answer;
}

std::vector<Reply> Core::apply_batch(Millis now, std::span<const BatchedRequest> requests, OutboxTake* outbox) {
  std::vector<Reply> replies(requests.size());
  std::vector<Admission> admissions(requests.size());
  std::vector<std::optional<json::object>> answers(requests.size());
  // The admitted operations since the last debug.* one: they share one transaction.
  std::vector<std::size_t> pending;
  auto perform_pending = [&] {
    if (!pending.empty()) perform_batch(admissions, pending, answers, outbox);
    pending.clear();
  };

  for (std::size_t i = 0; i < requests.size(); ++i) {
    json::value request;
    if (auto early = read_body(requests[i].body, request)) {
      replies[i] = std::move(*early);
      continue;
    }
    admissions[i] = admit(now, request, requests[i].metadata);
    auto& admission = admissions[i];
    if (admission.answer) {
      answers[i] = std::move(admission.answer);
    } else if (!admission.debug_kind.empty()) {
      perform_pending();  // what came before is committed first, in order
      answers[i] = run_debug(admission);
    } else {
      pending.push_back(i);
    }
  }
  perform_pending();

  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (answers[i]) replies[i] = to_reply(*answers[i]);
  }
  return replies;
}

void Core::perform_batch(const std::vector<Admission>& admissions, const std::vector<std::size_t>& batch,
                         std::vector<std::optional<json::object>>& answers, OutboxTake* outbox) {
  try {
    retrying([&] {
      try {
        perform_batch_once(admissions, batch, answers, outbox, /*savepoints=*/false);
      } catch (const UndoNeeded&) {
        batch_reruns_.fetch_add(1, std::memory_order_relaxed);
        perform_batch_once(admissions, batch, answers, outbox, /*savepoints=*/true);
      }
    });
  } catch (const StoreConflict& conflict) {
    // Every run lost: none of it was committed.
    for (auto i : batch) {
      answers[i] = admissions[i].error(500, std::string("Internal error: ") + conflict.what());
    }
  }
}

namespace {

// At most this many ids are read ahead for one transaction (a heartbeat may name thousands of
// tasks); the rest are read when the requests get to them.
constexpr std::size_t max_read_ahead = 512;

}  // namespace

ReadAhead Core::reads_of(const std::vector<Admission>& admissions, std::span<const std::size_t> batch) const {
  ReadAhead reads;
  auto ids = [](const ReadAhead& named) { return named.records.size() + named.promises.size() + named.tasks.size(); };
  auto append = [](std::vector<std::string_view>& to, const std::vector<std::string_view>& more) {
    to.insert(to.end(), more.begin(), more.end());
  };
  for (const auto i : batch) {
    ReadAhead more;
    name_reads(*admissions[i].request, more, options_.fence_preload);
    if (ids(reads) + ids(more) > max_read_ahead) break;  // this request and the rest read as they run
    append(reads.records, more.records);
    append(reads.promises, more.promises);
    append(reads.tasks, more.tasks);
    append(reads.settlements, more.settlements);
    append(reads.branches, more.branches);
  }
  return reads;
}

// Without savepoints, a request that fails as the protocol answers (a 404, a 409...) before
// changing anything needs nothing undone, and the others pay no SAVEPOINT and RELEASE (on
// PostgreSQL two statements per request, and a subtransaction each). A request that fails
// otherwise throws UndoNeeded: nothing was committed, and the batch runs again with savepoints.
void Core::perform_batch_once(const std::vector<Admission>& admissions, const std::vector<std::size_t>& batch,
                              std::vector<std::optional<json::object>>& answers, OutboxTake* outbox,
                              bool savepoints) {
  // The open transaction, the requests answered inside it and the deadlines they wrote.
  std::unique_ptr<Transaction> tx;
  std::vector<std::size_t> held;
  std::optional<Millis> written;

  // A lost race undoes the whole transaction, whichever request met it (with pipelined
  // statements a failure may surface in a later request): the batch then runs again.
  auto close = [&](bool commit, const std::string& failure) {
    std::string problem = failure;
    if (tx && commit) {
      try {
        std::vector<OutboxMessage> taken;
        if (outbox && !held.empty()) {
          taken = tx->take_messages_and_commit(outbox->routes ? &*outbox->routes : nullptr, outbox->limit);
          outbox->took = true;
        } else {
          tx->commit();
        }
        note_deadline(written);
        if (outbox) std::move(taken.begin(), taken.end(), std::back_inserter(outbox->messages));
      } catch (const StoreConflict&) {
        throw;
      } catch (const std::exception& error) {
        problem = error.what();
      }
    }
    tx.reset();  // uncommitted: rolled back
    if (!problem.empty()) {
      for (auto i : held) answers[i] = admissions[i].error(500, "Internal error: " + problem);
    }
    held.clear();
    written.reset();
  };

  for (std::size_t at = 0; at < batch.size(); ++at) {
    const auto i = batch[at];
    const auto& admission = admissions[i];
    // The first request of a transaction needs no savepoint: if it fails, rolling the whole
    // transaction back undoes exactly its writes (and a lone request costs what it did
    // before group commit: no extra statements).
    const bool first = !tx;
    try {
      if (first) {
        tx = store_.begin();
        try {
          tx->read_ahead(reads_of(admissions, std::span(batch).subspan(at)));
        } catch (const StoreConflict&) {
          throw;
        } catch (const std::exception&) {
          // Only a hint: a read-ahead that failed (a lock wait timed out...) must not fail the
          // request; a new transaction reads as the requests run, and fails only the one that
          // meets the problem.
          tx.reset();
          tx = store_.begin();
        }
      }
      if (!first && savepoints) tx->savepoint();
    } catch (const StoreConflict&) {
      throw;
    } catch (const std::exception& error) {
      close(false, error.what());
      answers[i] = admission.error(500, std::string("Internal error: ") + error.what());
      continue;
    }
    held.push_back(i);
    StateMachine machine(*tx, admission.now, options_.retry_interval);
    const auto writes_before = tx->writes();
    try {
      answers[i] = perform_admitted(machine, admission);
      if (!first && savepoints) tx->release_savepoint();
      if (auto deadline = machine.earliest_deadline_written(); deadline && (!written || *deadline < *written)) {
        written = deadline;
      }
    } catch (const StoreConflict&) {
      throw;
    } catch (...) {
      answers[i] = admission.failed();
      if (first) {
        held.clear();  // its own answer stands: the rollback undid only its writes
        close(false, "");
      } else if (!savepoints) {
        if (!answered_by_protocol() || tx->writes() != writes_before) throw UndoNeeded{};
      } else {
        try {
          tx->rollback_to_savepoint();
        } catch (const StoreConflict&) {
          throw;
        } catch (const std::exception& error) {
          close(false, error.what());  // the transaction is broken: nothing in it is kept
        }
      }
    }
  }
  close(true, "");
}

json::object Core::perform_admitted(StateMachine& machine, const Admission& admission) const {
  OperationContext context{machine, admission.identity.corr_id, options_.fence_preload, options_.max_page_bytes};
  auto outcome = perform(*admission.request, context);
  return admission.reply(outcome.status, std::move(outcome.data));
}

void Core::tick(Millis now) {
  retrying([&] {
    auto tx = store_.begin();
    StateMachine machine(*tx, now, options_.retry_interval);
    machine.process_due_timeouts();
    tx->commit();
    note_deadline(machine.earliest_deadline_written());
  });
}

std::optional<Millis> Core::next_deadline() {
  auto tx = store_.begin();
  auto deadline = tx->next_deadline();
  tx->commit();
  return deadline;
}

std::optional<Millis> Core::tick_until_next_deadline(Millis now) {
  tick(now);
  take_new_deadline();
  return next_deadline();
}

std::optional<Millis> Core::take_new_deadline() { return std::exchange(new_deadline_, std::nullopt); }

void Core::note_deadline(std::optional<Millis> deadline) {
  if (deadline && (!new_deadline_ || *deadline < *new_deadline_)) new_deadline_ = deadline;
}

std::vector<OutboxMessage> Core::take_messages(std::size_t limit) {
  return retrying([&] {
    auto tx = store_.begin();
    auto messages = tx->take_messages(limit);
    tx->commit();
    return messages;
  });
}

TakenMessages Core::take_messages_for(const MessageRoutes& routes, std::size_t limit) {
  return retrying([&] { return store_.take_messages_for(routes, limit); });
}

}  // namespace resonate::core
