// The tables of the protocol in SQL, shared by the SQLite and PostgreSQL stores. The schema
// (created by each store) has the same tables and columns in both databases; the statements
// here use only the common dialect (upserts with ON CONFLICT, DELETE ... RETURNING).
#pragma once

#include "store/sql_session.hpp"
#include "store/store.hpp"

namespace resonate::store {

// Begins and commits are the subclass's business; everything between is here.
class SqlTransaction : public Transaction {
 public:
  explicit SqlTransaction(SqlSession& session) : session_(session) {}

  std::optional<Promise> get_promise(std::string_view id) override;
  void put_promise(const Promise& promise) override;
  std::vector<Promise> search_promises(const PromiseQuery& query) override;
  std::vector<Promise> promises_in_branch(std::string_view branch) override;

  std::optional<Task> get_task(std::string_view id) override;
  void put_task(const Task& task) override;
  std::vector<Task> search_tasks(const TaskQuery& query) override;

  void put_promise_timeout(const PromiseTimeout& timeout) override;
  void delete_promise_timeout(std::string_view id) override;
  std::vector<PromiseTimeout> due_promise_timeouts(Millis now, std::size_t limit) override;

  void put_task_timeout(const TaskTimeout& timeout) override;
  void delete_task_timeout(std::string_view id) override;
  std::vector<TaskTimeout> due_task_timeouts(Millis now, std::size_t limit) override;

  void add_callback(const Callback& callback) override;
  std::vector<std::string> take_callbacks_on(std::string_view awaited) override;
  void delete_callbacks_of(std::string_view awaiter) override;

  void add_listener(const Listener& listener) override;
  std::vector<std::string> take_listeners_on(std::string_view id) override;

  std::optional<Schedule> get_schedule(std::string_view id) override;
  void put_schedule(const Schedule& schedule) override;
  bool delete_schedule(std::string_view id) override;
  std::vector<Schedule> search_schedules(const ScheduleQuery& query) override;
  std::vector<Schedule> due_schedules(Millis now, std::size_t limit) override;

  void put_message(const OutboxMessage& message) override;
  std::vector<OutboxMessage> take_messages(std::size_t limit) override;

  std::vector<Promise> all_promises() override;
  std::vector<Task> all_tasks() override;
  std::vector<PromiseTimeout> all_promise_timeouts() override;
  std::vector<TaskTimeout> all_task_timeouts() override;
  std::vector<Callback> all_callbacks() override;
  std::vector<Listener> all_listeners() override;
  std::vector<OutboxMessage> all_messages() override;
  void clear() override;

 protected:
  // Subclasses set this once the transaction has committed or rolled back.
  bool finished_ = false;

 private:
  SqlSession& session();

  SqlSession& session_;
};

}  // namespace resonate::store
