// The sans-IO protocol core: the durable promise and task state machine of the Resonate
// protocol (docs/resonate-protocol.md §3-§4), driven by explicit time and a Store.
//
// Every entry point takes `now` (epoch ms) from its caller: the core owns no clock, socket or
// thread. The server, the SDK's local mode and the tests all drive this same object.
// Messages produced by a request (execute, unblock) go to the store's durable outbox in the
// same transaction as the state change; the caller delivers them with take_messages().
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "core/store.hpp"
#include "wire/records.hpp"
#include "wire/requests.hpp"
#include "wire/responses.hpp"

namespace resonate::core {

class StateMachine;

// What the transport knows about a request beyond its envelope, passed to the authorize hook.
// Views into the caller's request: valid for the duration of one apply().
struct RequestMetadata {
  // The HTTP `Authorization` header, empty when absent (or when there is no HTTP request).
  std::string_view authorization{};
};

struct CoreOptions {
  // Enables debug.* operations and the head["resonate:debug_time"] clock override.
  bool debug = false;
  // How often an unacquired pending task gets its `execute` message again.
  wire::Millis retry_interval = 30000;
  // Largest accepted request body; larger bodies are answered 413 by apply(body).
  std::size_t max_request_bytes = 2 * 1024 * 1024;
  // Called for every envelope before dispatch when set (authentication, issue 7), with the
  // metadata the caller passed to apply(). Returns an HTTP status (401/403) with a message to
  // reject, or 0 to accept.
  std::function<std::pair<int, std::string>(const boost::json::object& envelope, const RequestMetadata& metadata)>
      authorize{};
  // Whether task.fence answers carry the branch's preload (§4.9). Every fence repeats the whole
  // branch, so a function of K steps costs O(K²); an SDK that caches its own writes needs none
  // of it (the TS SDK's embedded network answers fences with an empty preload). Embedded mode
  // turns it off; the server keeps the reference behaviour.
  bool fence_preload = true;
  // A search answer ends its page (with a cursor for the rest) once it holds about this many
  // bytes of records, past its first record: a search over large promises must not build a
  // huge answer or hold the core thread for long.
  std::size_t max_page_bytes = 4 * 1024 * 1024;
};

// An HTTP-ready answer: `status` equals the envelope's head.status.
struct Reply {
  int status = 200;
  std::string body{};  // compact JSON envelope (or a plain error for 413)
};

// One request of a batch: views into the caller's request, valid during apply_batch().
struct BatchedRequest {
  std::string_view body;
  RequestMetadata metadata{};
};

// Outbox messages a group-commit batch takes in its own transaction, for its caller to deliver
// once apply_batch() returns: the messages the batch produced reach their streams without a
// transaction (and, for SQLite, a sync) of their own.
struct OutboxTake {
  // For a store shared with other servers (Store::shared()): the messages this server's
  // streams can carry (take_messages_for). Otherwise every message.
  std::optional<MessageRoutes> routes{};
  std::size_t limit = 100;
  // Out: what the committed transactions took, oldest first. When it holds `limit` messages,
  // more may wait.
  std::vector<wire::OutboxMessage> messages{};
  // Out: a transaction of the batch took and committed. Its take ran after the batch began, so
  // it saw every message committed before then (all of them, unless it took `limit`).
  bool took = false;
};

class Core {
 public:
  Core(Store& store, CoreOptions options = {});

  // Handles the raw body of one `POST /`. Never throws: bad input is a 400 envelope, a
  // storage failure a 500 envelope.
  Reply apply(wire::Millis now, std::string_view body, const RequestMetadata& metadata = {});

  // Handles one parsed request envelope; returns the response envelope (head.status set).
  boost::json::object apply(wire::Millis now, const boost::json::value& request, const RequestMetadata& metadata = {});

  // Group commit: handles the raw bodies of several `POST /` in order, in one store
  // transaction (one commit, one sync). A request that fails undoes only its own writes and
  // answers as it would alone (one refused before it changed anything has nothing to undo;
  // otherwise the batch runs again with a savepoint around each request); a debug.* operation
  // commits what came before it and runs on its own. The answers are returned after the
  // commit that holds them: if that commit fails, every request of it answers 500. With
  // `outbox`, each transaction also takes messages from the outbox before its commit (above).
  // Never throws.
  std::vector<Reply> apply_batch(wire::Millis now, std::span<const BatchedRequest> requests,
                                 OutboxTake* outbox = nullptr);

  // A task.fence of a worker in this process (embedded mode), typed both ways: the same checks,
  // transaction and answer as apply() of the same request as JSON, without building or reading
  // any JSON (the first-pass step's path). Needs a core without `authorize` and with
  // fence_preload off (the answer has no preload). Never throws.
  wire::FencedPromise fence(wire::Millis now, const wire::TaskFence& request);

  // Background work as of `now`: fires due promise timeouts (timers resolve), expires
  // leases, re-sends execute for pending tasks, fires schedules. Same as `debug.tick`.
  void tick(wire::Millis now);

  // Removes up to `limit` messages from the outbox, oldest first, for delivery.
  std::vector<wire::OutboxMessage> take_messages(std::size_t limit = 100);
  // The same for one server of several sharing the store (Store::shared()): the messages
  // `routes` admits, and the count of those that expired unclaimed.
  TakenMessages take_messages_for(const MessageRoutes& routes, std::size_t limit = 100);

  // Deadline-driven background work: a driver calls tick() when next_deadline() is due, not
  // on a fixed beat, so that a timer or a lapsed lease fires within milliseconds.
  // next_deadline(): the earliest stored promise timeout, task timeout or schedule run (one
  // indexed read). take_new_deadline(): the earliest of those that apply()/tick() wrote since
  // the last call, so that a driver sleeping until a later deadline can wake up earlier.
  // Call both from the thread that calls apply().
  std::optional<wire::Millis> next_deadline();
  std::optional<wire::Millis> take_new_deadline();
  // What a deadline-driven driver does at each tick: tick(now), then next_deadline(). The
  // tick's own writes are in that deadline, so take_new_deadline() does not report them again.
  std::optional<wire::Millis> tick_until_next_deadline(wire::Millis now);

  // True between debug.start and debug.stop: drivers then pause tick() and delivery.
  bool loops_paused() const { return paused_.load(); }

  // How many transactions were run again because they did not take effect (StoreConflict: a
  // race lost to another server sharing the store, a connection broken before the commit);
  // readable from any thread.
  std::uint64_t conflicts() const { return conflicts_.load(std::memory_order_relaxed); }
  // How many group-commit batches were run again with a savepoint per request because one of
  // their requests failed after changing something (or with a fault); readable from any thread.
  std::uint64_t batch_reruns() const { return batch_reruns_.load(std::memory_order_relaxed); }

  Store& store() { return store_; }
  const CoreOptions& options() const { return options_; }

 private:
  struct Admission;  // a request checked as far as it can be without the store (core.cpp)
  // Reads the body; nullopt with `request` set, or the answer to a body that is not JSON.
  std::optional<Reply> read_body(std::string_view body, boost::json::value& request) const;
  Admission admit(wire::Millis now, const boost::json::value& request, const RequestMetadata& metadata);
  boost::json::object run_debug(const Admission& admission);
  // The answer of an admitted operation, run by `machine`. Throws InvalidRequest, Failure or a
  // store error; the caller then undoes its writes.
  boost::json::object perform_admitted(StateMachine& machine, const Admission& admission) const;
  // The admitted operations `batch` (indexes into `admissions`) in one transaction, run again
  // when it loses a race; each answer goes to answers[index].
  void perform_batch(const std::vector<Admission>& admissions, const std::vector<std::size_t>& batch,
                     std::vector<std::optional<boost::json::object>>& answers, OutboxTake* outbox);
  // One run; with `savepoints`, each request after the first runs inside its own.
  void perform_batch_once(const std::vector<Admission>& admissions, const std::vector<std::size_t>& batch,
                          std::vector<std::optional<boost::json::object>>& answers, OutboxTake* outbox,
                          bool savepoints);
  // What the admitted operations `batch` will read (Transaction::read_ahead).
  ReadAhead reads_of(const std::vector<Admission>& admissions, std::span<const std::size_t> batch) const;
  template <typename Attempt>
  auto retrying(Attempt attempt) -> decltype(attempt());

  Store& store_;
  CoreOptions options_;
  std::atomic<bool> paused_{false};
  std::atomic<std::uint64_t> conflicts_{0};
  std::atomic<std::uint64_t> batch_reruns_{0};
  std::optional<wire::Millis> new_deadline_{};
  void note_deadline(std::optional<wire::Millis> deadline);
};

}  // namespace resonate::core
