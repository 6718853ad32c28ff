// The storage interface of the protocol core: typed tables behind one transaction.
//
// The core runs every request inside one Transaction; nothing is visible to other
// transactions until commit(), and a transaction destroyed without commit() rolls back.
// The core owns this interface; lib/store implements it (store/factories.hpp): MemoryStore
// (tests, embedded local mode), SqliteStore (default, durable across kill -9), PostgresStore
// (several servers, one database).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wire/records.hpp"

namespace resonate::core {

// Thrown for storage failures (I/O, corruption, lost connection). The server answers 500.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown when a transaction did not take effect and can be run again as it is: it met a
// concurrent one of another server sharing the store and lost (PostgreSQL: a deadlock, or a row
// the transaction read as absent created meanwhile), or its database connection broke before
// its commit was sent. The transaction is rolled back; the core runs it again from the start,
// where its reads see the other's writes (and the store connects again).
class StoreConflict : public StoreError {
 public:
  using StoreError::StoreError;
};

// Filters of the search operations. Results are ordered by id ascending and start strictly
// after `cursor` when it is set. `limit` is the maximum number of rows returned.
struct PromiseQuery {
  std::optional<wire::PromiseState> state{};
  wire::Tags tags{};  // every key/value must be present in the promise's tags
  std::optional<std::string> cursor{};
  std::size_t limit = 100;
};

struct TaskQuery {
  std::optional<wire::TaskState> state{};
  std::optional<std::string> cursor{};
  std::size_t limit = 100;
};

// The outbox messages that one of several servers sharing a store (PostgreSQL replicas) takes
// for delivery: those its own message streams can carry, and every http:// push. A message for
// a group with no member on this server stays for a server that has one.
struct MessageRoutes {
  std::vector<std::string> groups;                            // poll://any@G[/P] for each G
  std::vector<std::pair<std::string, std::string>> workers;  // poll://uni@G/P for each (G, P)
  // A message that waited this long with no server taking it is dropped (its group had no
  // member anywhere; the retry timers send execute again); 0 keeps messages forever.
  wire::Millis max_wait = 0;
};

// What take_messages_for removed: the messages to deliver, and how many expired unclaimed.
struct TakenMessages {
  std::vector<wire::OutboxMessage> messages;
  std::size_t expired = 0;
};

// How many promises and tasks are in each state (the /metrics gauges); a state none is in may
// be absent.
struct StateCounts {
  std::map<wire::PromiseState, std::uint64_t> promises;
  std::map<wire::TaskState, std::uint64_t> tasks;
};

struct ScheduleQuery {
  wire::Tags tags{};  // matched against the schedule's promise_tags
  std::optional<std::string> cursor{};
  std::size_t limit = 10;
};

// What the requests of a transaction are about to read, named from the requests before they
// run (core/read_ahead.hpp), so that a store whose every read is a round trip to a database
// server (PostgreSQL) can read them all in one.
struct ReadAhead {
  std::vector<std::string_view> records;      // ids whose promise and task will be read
  std::vector<std::string_view> promises;     // ids whose promise only will be read
  std::vector<std::string_view> tasks;        // ids whose task only will be read
  std::vector<std::string_view> settlements;  // promises that may be settled: their callbacks and listeners
  std::vector<std::string_view> branches;     // promises whose branch will be listed (a preload)
};

class Transaction {
 public:
  virtual ~Transaction() = default;

  // Makes every change durable (for persistent stores: on disk before returning).
  virtual void commit() = 0;

  // How many changes (writes of any table) this transaction has made so far, savepoints
  // aside: the core compares the count before and after a request to know whether a request
  // that failed left anything to undo. Never counts fewer than were made.
  virtual std::uint64_t writes() const = 0;

  // A hint, given before the transaction's first write: it will read what `reads` names. A
  // store may read those records now, all at once, and answer the reads that follow from what
  // it read, kept current by the transaction's own writes: what it locked exactly as a read
  // then would, what it could not lock (a record absent, a branch) as of the hint — a state
  // the requests, all received before it, could have seen. By default nothing.
  virtual void read_ahead(const ReadAhead& reads) { (void)reads; }

  // --- promises -------------------------------------------------------------------------
  virtual std::optional<wire::Promise> get_promise(std::string_view id) = 0;
  // Whether promise `id` exists, is pending and has timed out at `now` — what a lazy timeout
  // checks before a request touches the promise's task. A store may answer without copying the
  // record; by default it reads it.
  virtual bool promise_due(std::string_view id, wire::Millis now) {
    auto promise = get_promise(id);
    return promise && promise->pending() && promise->timeout_at <= now;
  }
  // Inserts or replaces the promise with this id.
  virtual void put_promise(const wire::Promise& promise) = 0;
  virtual std::vector<wire::Promise> search_promises(const PromiseQuery& query) = 0;
  // Promises whose "resonate:branch" tag equals `branch`, ordered by id.
  virtual std::vector<wire::Promise> promises_in_branch(std::string_view branch) = 0;

  // --- tasks ----------------------------------------------------------------------------
  virtual std::optional<wire::Task> get_task(std::string_view id) = 0;
  virtual void put_task(const wire::Task& task) = 0;
  virtual std::vector<wire::Task> search_tasks(const TaskQuery& query) = 0;

  // --- promise timeouts (active timeouts of pending promises that have a target) ---------
  virtual void put_promise_timeout(const wire::PromiseTimeout& timeout) = 0;  // insert or replace
  virtual void delete_promise_timeout(std::string_view id) = 0;
  // Entries with timeout <= now, earliest first, at most `limit`.
  virtual std::vector<wire::PromiseTimeout> due_promise_timeouts(wire::Millis now, std::size_t limit) = 0;

  // --- task timeouts (at most one per task) ----------------------------------------------
  virtual void put_task_timeout(const wire::TaskTimeout& timeout) = 0;  // insert or replace
  virtual void delete_task_timeout(std::string_view id) = 0;
  virtual std::vector<wire::TaskTimeout> due_task_timeouts(wire::Millis now, std::size_t limit) = 0;

  // --- callbacks ------------------------------------------------------------------------
  virtual void add_callback(const wire::Callback& callback) = 0;  // idempotent
  // Removes and returns the awaiters registered on `awaited`, ordered by awaiter id.
  virtual std::vector<std::string> take_callbacks_on(std::string_view awaited) = 0;
  virtual void delete_callbacks_of(std::string_view awaiter) = 0;

  // --- listeners ------------------------------------------------------------------------
  virtual void add_listener(const wire::Listener& listener) = 0;  // idempotent
  // Removes and returns the addresses listening on promise `id`, ordered by address.
  virtual std::vector<std::string> take_listeners_on(std::string_view id) = 0;

  // --- schedules ------------------------------------------------------------------------
  virtual std::optional<wire::Schedule> get_schedule(std::string_view id) = 0;
  virtual void put_schedule(const wire::Schedule& schedule) = 0;
  virtual bool delete_schedule(std::string_view id) = 0;  // false when absent
  virtual std::vector<wire::Schedule> search_schedules(const ScheduleQuery& query) = 0;
  // Schedules with next_run_at <= now, earliest first, at most `limit`.
  virtual std::vector<wire::Schedule> due_schedules(wire::Millis now, std::size_t limit) = 0;

  // --- savepoints -------------------------------------------------------------------------
  // Group commit runs many requests in one transaction, each between savepoint() and either
  // release_savepoint() (its changes stay) or rollback_to_savepoint() (only its own changes
  // are undone). One level: each savepoint is released or rolled back before the next.
  virtual void savepoint() = 0;
  virtual void release_savepoint() = 0;
  virtual void rollback_to_savepoint() = 0;

  // --- deadlines -------------------------------------------------------------------------
  // The earliest promise timeout, task timeout or schedule run, if any: when background
  // processing next has work. Read from the stores' time indexes, O(log n).
  virtual std::optional<wire::Millis> next_deadline() = 0;

  // --- outbox ---------------------------------------------------------------------------
  // Inserts the message, replacing (and moving to the back of the queue) any message with
  // the same key.
  virtual void put_message(const wire::OutboxMessage& message) = 0;
  // Removes and returns up to `limit` messages, oldest first.
  virtual std::vector<wire::OutboxMessage> take_messages(std::size_t limit) = 0;
  // The same for one server of several sharing the store: only messages `routes` admits. A
  // store that is not shared (Store::shared() false) has one server, which takes everything.
  virtual TakenMessages take_messages_for(const MessageRoutes& routes, std::size_t limit) {
    (void)routes;
    return {take_messages(limit), 0};
  }

  // Takes up to `limit` messages — every message, or on a store shared with other servers
  // (`routes` set) those `routes` admits — and commits: the messages the commit took, oldest
  // first. A store may send the take with the commit (PostgreSQL: one round trip for both).
  // A shared store then tells the other servers only of messages queued here that `routes`
  // does not admit: when `limit` were taken, the caller takes the rest itself.
  virtual std::vector<wire::OutboxMessage> take_messages_and_commit(const MessageRoutes* routes, std::size_t limit) {
    auto taken = routes ? take_messages_for(*routes, limit).messages : take_messages(limit);
    commit();
    return taken;
  }

  // --- gauges (/metrics) -------------------------------------------------------------------
  // Counted without reading the records (SQL: an index scan per table), so that a scrape costs
  // the core thread little even with millions of promises.
  virtual StateCounts count_by_state() = 0;

  // --- whole-state views (debug.snap) and reset (debug.reset) ---------------------------
  virtual std::vector<wire::Promise> all_promises() = 0;
  virtual std::vector<wire::Task> all_tasks() = 0;
  virtual std::vector<wire::PromiseTimeout> all_promise_timeouts() = 0;  // ordered by id
  virtual std::vector<wire::TaskTimeout> all_task_timeouts() = 0;        // ordered by id
  virtual std::vector<wire::Callback> all_callbacks() = 0;               // by (awaited, awaiter)
  virtual std::vector<wire::Listener> all_listeners() = 0;               // by (id, address)
  virtual std::vector<wire::OutboxMessage> all_messages() = 0;           // oldest first
  virtual void clear() = 0;
};

// Who can carry messages another server announced (StoreFeed::drain), as the announcement
// names it: "" (any server: http:// pushes), "group" (any member of the group), or
// "group/process" (that member only: poll://uni@ addresses; group names hold no '/').
struct Carrier {
  std::string_view group{};                   // empty: any server
  std::optional<std::string_view> process{};  // set: only this member of the group

  static Carrier read(std::string_view name) {
    const auto slash = name.find('/');
    if (slash == std::string_view::npos) return {name, std::nullopt};
    return {name.substr(0, slash), name.substr(slash + 1)};
  }
  std::string name() const {
    std::string text(group);
    if (process) text.append("/").append(*process);
    return text;
  }
  // Whether a server whose streams can carry `routes` takes these messages: any server takes
  // http:// pushes; a group's messages need a member of it, a process's that member.
  bool admitted_by(const MessageRoutes& routes) const {
    if (group.empty()) return true;
    if (!process) return std::find(routes.groups.begin(), routes.groups.end(), group) != routes.groups.end();
    return std::any_of(routes.workers.begin(), routes.workers.end(), [this](const auto& member) {
      return member.first == group && member.second == *process;
    });
  }
};

// Announcements of the other servers sharing a store: that they committed outbox messages, and
// who can carry them. Waited on with the descriptor (readable when something arrived), read
// with drain().
class StoreFeed {
 public:
  virtual ~StoreFeed() = default;
  // The socket to wait on for readability.
  virtual int descriptor() = 0;
  // Reads what arrived without blocking: for each announcement, who can carry the messages
  // (Carrier::name). Throws StoreError when the connection is lost (open a new feed).
  virtual std::vector<std::string> drain() = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // True when other servers may use the same storage at once (PostgreSQL): each then takes
  // only the messages its own streams can carry (Transaction::take_messages_for).
  virtual bool shared() const { return false; }
  // For a shared store, a new feed of the other servers' announcements (blocking: connects);
  // nullptr for a store no other server uses.
  virtual std::unique_ptr<StoreFeed> feed() { return nullptr; }
  // For a shared store, another connection to the same database (blocking: connects), so that
  // one server runs transactions on both at once, as two servers would; nullptr for a store
  // with one writer.
  virtual std::unique_ptr<Store> another_connection() { return nullptr; }
  // Takes the messages `routes` admits (Transaction::take_messages_for) with nothing else: a
  // store may do it without a transaction around it. By default, a transaction of its own.
  virtual TakenMessages take_messages_for(const MessageRoutes& routes, std::size_t limit) {
    auto transaction = begin();
    auto taken = transaction->take_messages_for(routes, limit);
    transaction->commit();
    return taken;
  }
  // Starts a read-write transaction. Transactions are serialised: begin() waits for the
  // previous one to finish. On a shared store (PostgreSQL) the transactions of different
  // servers run at once: each locks the promise, task and schedule rows it reads, so ones that
  // touch the same rows run one after the other, and one that loses a race throws
  // StoreConflict (see postgres_store.cpp).
  virtual std::unique_ptr<Transaction> begin() = 0;
  // True when the backing storage answers (GET /ready).
  virtual bool ready() = 0;
};

}  // namespace resonate::core
