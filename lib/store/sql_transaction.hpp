// The tables of the protocol in SQL, shared by the SQLite and PostgreSQL stores. The schema
// (created by each store) has the same tables and columns in both databases; the statements
// here use only the common dialect (upserts with ON CONFLICT, DELETE ... RETURNING).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "core/store.hpp"
#include "store/sql_session.hpp"

namespace resonate::store {

// Whether the transaction locks the rows it reads (PostgreSQL, where the transactions of
// several servers run at once; the locking statements, and the read-ahead, use its dialect)
// or needs not (SQLite: one writer at a time, whose reads are calls in this process).
enum class RowLocks { none, for_update };

// Begins and commits are the subclass's business; everything between is here.
class SqlTransaction : public core::Transaction {
 public:
  explicit SqlTransaction(SqlSession& session, RowLocks locks = RowLocks::none) : session_(session), locks_(locks) {}

  void read_ahead(const core::ReadAhead& reads) override;
  std::uint64_t writes() const override { return writes_; }

  std::optional<wire::Promise> get_promise(std::string_view id) override;
  void put_promise(const wire::Promise& promise) override;
  std::vector<wire::Promise> search_promises(const core::PromiseQuery& query) override;
  std::vector<wire::Promise> promises_in_branch(std::string_view branch) override;

  std::optional<wire::Task> get_task(std::string_view id) override;
  void put_task(const wire::Task& task) override;
  std::vector<wire::Task> search_tasks(const core::TaskQuery& query) override;

  void put_promise_timeout(const wire::PromiseTimeout& timeout) override;
  void delete_promise_timeout(std::string_view id) override;
  std::vector<wire::PromiseTimeout> due_promise_timeouts(wire::Millis now, std::size_t limit) override;

  void put_task_timeout(const wire::TaskTimeout& timeout) override;
  void delete_task_timeout(std::string_view id) override;
  std::vector<wire::TaskTimeout> due_task_timeouts(wire::Millis now, std::size_t limit) override;

  void add_callback(const wire::Callback& callback) override;
  std::vector<std::string> take_callbacks_on(std::string_view awaited) override;
  void delete_callbacks_of(std::string_view awaiter) override;

  void add_listener(const wire::Listener& listener) override;
  std::vector<std::string> take_listeners_on(std::string_view id) override;

  std::optional<wire::Schedule> get_schedule(std::string_view id) override;
  void put_schedule(const wire::Schedule& schedule) override;
  bool delete_schedule(std::string_view id) override;
  std::vector<wire::Schedule> search_schedules(const core::ScheduleQuery& query) override;
  std::vector<wire::Schedule> due_schedules(wire::Millis now, std::size_t limit) override;
  std::optional<wire::Millis> next_deadline() override;
  void savepoint() override;
  void release_savepoint() override;
  void rollback_to_savepoint() override;

  void put_message(const wire::OutboxMessage& message) override;
  std::vector<wire::OutboxMessage> take_messages(std::size_t limit) override;

  core::StateCounts count_by_state() override;

  std::vector<wire::Promise> all_promises() override;
  std::vector<wire::Task> all_tasks() override;
  std::vector<wire::PromiseTimeout> all_promise_timeouts() override;
  std::vector<wire::TaskTimeout> all_task_timeouts() override;
  std::vector<wire::Callback> all_callbacks() override;
  std::vector<wire::Listener> all_listeners() override;
  std::vector<wire::OutboxMessage> all_messages() override;
  void clear() override;

 protected:
  // Subclasses set this once the transaction has committed or rolled back.
  bool finished_ = false;

 protected:
  // The rows of a `DELETE FROM outbox ... RETURNING seq, key, address, body`, oldest first
  // (RETURNING has no order of its own).
  static std::vector<wire::OutboxMessage> messages_in_order(SqlRows& rows);

  // The session, for a statement that changes rows (counted: writes()).
  SqlSession& writer();
  void count_write() { ++writes_; }

 private:
  SqlSession& session();

  // What this transaction read or wrote of promises and tasks, by id (nullopt: absent): the
  // core reads the same records several times per request, and nobody else writes them
  // while this transaction runs (transactions are serialised, or the rows are locked). Forgotten
  // when a rollback to a savepoint undoes writes.
  void forget_reads();
  std::map<std::string, std::optional<wire::Promise>, std::less<>> promises_read_;
  std::map<std::string, std::optional<wire::Task>, std::less<>> tasks_read_;
  // Read ahead with row locks: the callbacks (awaiters) and listeners (addresses) on promises
  // this transaction holds, sorted, kept current by its own writes. Nobody else can change them
  // meanwhile: they are added only by a transaction holding their promise, and taken only by
  // the one settling it (a callback removed because its awaiter's task ended is the one
  // exception; resuming it finds the task fulfilled and does nothing).
  using Addressees = std::map<std::string, std::vector<std::string>, std::less<>>;
  Addressees callbacks_on_;
  Addressees listeners_on_;
  // Read ahead without locks: the promises of each branch an answer lists (a preload), by id,
  // as they were when the batch began (what a read then would have shown), kept current by this
  // transaction's own writes (a branch is a tag: a promise never changes branch).
  std::map<std::string, std::vector<wire::Promise>, std::less<>> branches_read_;
  // Read ahead the same way: tasks (awaiters) known to have no callback. A deletion that would
  // find nothing is then not sent, nor one of an empty set above.
  std::set<std::string, std::less<>> no_callbacks_of_;

  // With row locks, a record this transaction read as absent is written with a plain INSERT,
  // not an upsert: if another server created it meanwhile, the insert fails (a StoreConflict:
  // the core runs the transaction again and reads it) instead of overwriting it. (A record
  // read present is locked; one never read is written as asked.)
  bool inserts(bool read_absent) const { return locks_ == RowLocks::for_update && read_absent; }
  std::set<std::string, std::less<>> schedules_absent_;  // schedules read as absent

  SqlSession& session_;
  RowLocks locks_;
  std::uint64_t writes_ = 0;
  std::size_t savepoints_ = 0;  // made in this transaction, for unique names
  std::string savepoint_name_;  // the open one's
};

}  // namespace resonate::store
