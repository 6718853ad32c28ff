#include "store/sql_transaction.hpp"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <limits>
#include <utility>

#include "store/tag_filter.hpp"
#include "wire/json_codec.hpp"

namespace resonate::store {

// The store's rows are the protocol's records (wire::Promise, wire::Task, ...).
using namespace resonate::wire;

namespace {

const std::string promise_columns = "id, state, param, value, tags, timeout_at, created_at, settled_at";
const std::string task_columns = "id, state, version, resumes, ttl, pid";
const std::string schedule_columns =
    "id, cron, promise_id, promise_timeout, promise_param, promise_tags, created_at, next_run_at, last_run_at";

// Rows are written by this code only, so a row that does not decode means a damaged database.
[[noreturn]] void damaged(std::string_view table, const std::string& id, std::string_view what) {
  throw core::StoreError("damaged row in " + std::string(table) + " (id \"" + id + "\"): " + std::string(what));
}

template <typename Decode>
auto decode(std::string_view table, const std::string& id, Decode decode_column) {
  try {
    return decode_column();
  } catch (const std::exception& error) {
    damaged(table, id, error.what());
  }
}

Promise read_promise(SqlRows& row) {
  Promise promise;
  promise.id = row.text(0);
  auto state = promise_state_from(row.text(1));
  if (!state) damaged("promises", promise.id, "unknown state");
  promise.state = *state;
  promise.param = decode("promises", promise.id, [&] { return value_from_text(row.text(2)); });
  promise.value = decode("promises", promise.id, [&] { return value_from_text(row.text(3)); });
  promise.tags = decode("promises", promise.id, [&] { return tags_from_text(row.text(4)); });
  promise.timeout_at = row.integer(5);
  promise.created_at = row.integer(6);
  promise.settled_at = row.optional_integer(7);
  return promise;
}

Task read_task(SqlRows& row) {
  Task task;
  task.id = row.text(0);
  auto state = task_state_from(row.text(1));
  if (!state) damaged("tasks", task.id, "unknown state");
  task.state = *state;
  task.version = row.integer(2);
  task.resumes = row.integer(3);
  task.ttl = row.optional_integer(4);
  task.pid = row.optional_text(5);
  return task;
}

Schedule read_schedule(SqlRows& row) {
  Schedule schedule;
  schedule.id = row.text(0);
  schedule.cron = row.text(1);
  schedule.promise_id = row.text(2);
  schedule.promise_timeout = row.integer(3);
  schedule.promise_param = decode("schedules", schedule.id, [&] { return value_from_text(row.text(4)); });
  schedule.promise_tags = decode("schedules", schedule.id, [&] { return tags_from_text(row.text(5)); });
  schedule.created_at = row.integer(6);
  schedule.next_run_at = row.integer(7);
  schedule.last_run_at = row.optional_integer(8);
  return schedule;
}

PromiseTimeout read_promise_timeout(SqlRows& row) { return PromiseTimeout{row.text(0), row.integer(1)}; }

TaskTimeout read_task_timeout(SqlRows& row) {
  auto type = row.integer(1);
  if (type != static_cast<std::int64_t>(TaskTimeoutType::retry) && type != static_cast<std::int64_t>(TaskTimeoutType::lease)) {
    damaged("task_timeouts", row.text(0), "unknown type");
  }
  return TaskTimeout{row.text(0), static_cast<TaskTimeoutType>(type), row.integer(2)};
}

template <typename Read>
auto read_all(SqlRows& rows, Read read) {
  std::vector<decltype(read(rows))> records;
  while (rows.next()) records.push_back(read(rows));
  return records;
}

SqlParam optional_param(const std::optional<std::int64_t>& value) {
  if (value) return *value;
  return nullptr;
}

SqlParam optional_param(const std::optional<std::string>& value) {
  if (value) return std::string_view(*value);
  return nullptr;
}

std::int64_t limit_param(std::size_t limit) {
  return static_cast<std::int64_t>(std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
}

// "$n" for the parameter about to be appended to `params`.
std::string next_placeholder(const std::vector<SqlParam>& params) { return "$" + std::to_string(params.size() + 1); }

}  // namespace

SqlSession& SqlTransaction::session() {
  if (finished_) throw core::StoreError("transaction used after commit");
  return session_;
}

SqlSession& SqlTransaction::writer() {
  count_write();
  return session();
}

// --- reading ahead ----------------------------------------------------------------------

// One round trip for what a batch's requests name, instead of one per read as they run: the
// promises and tasks, locked in id order (so that two batches wanting the same rows queue up
// rather than deadlock), then the callbacks and listeners on the promises to be settled and the
// branches to preload. The statements of a pipeline segment run in order, each on a snapshot
// taken when it starts, so the later ones see everything committed by the previous holders of
// the locks the first two took. SQLite has nothing to gain (its reads are calls in this
// process).
void SqlTransaction::read_ahead(const core::ReadAhead& reads) {
  // After a write the caches could not tell what this transaction changed from what it read.
  if (locks_ != RowLocks::for_update || writes_ > 0) return;
  auto distinct = [](std::vector<std::string_view> ids) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
  };
  auto promise_ids = reads.records;
  promise_ids.insert(promise_ids.end(), reads.promises.begin(), reads.promises.end());
  promise_ids = distinct(std::move(promise_ids));
  std::erase_if(promise_ids, [this](std::string_view id) { return promises_read_.contains(id); });
  auto task_ids = reads.records;
  task_ids.insert(task_ids.end(), reads.tasks.begin(), reads.tasks.end());
  task_ids = distinct(std::move(task_ids));
  std::erase_if(task_ids, [this](std::string_view id) { return tasks_read_.contains(id); });
  if (promise_ids.empty() && task_ids.empty()) return;
  const auto settled = distinct(reads.settlements);
  const auto preloaded = distinct(reads.branches);

  static const std::string promises_sql =
      "SELECT " + promise_columns + " FROM promises WHERE id = ANY($1::TEXT[]) ORDER BY id FOR UPDATE";
  static const std::string tasks_sql =
      "SELECT " + task_columns + " FROM tasks WHERE id = ANY($1::TEXT[]) ORDER BY id FOR UPDATE";
  static const std::string callbacks_sql =
      "SELECT awaited, awaiter FROM callbacks WHERE awaited = ANY($1::TEXT[]) OR awaiter = ANY($1::TEXT[])";
  static const std::string listeners_sql = "SELECT id, address FROM listeners WHERE id = ANY($1::TEXT[])";
  static const std::string branches_sql =
      "SELECT " + promise_columns +
      " FROM promises WHERE branch IN (SELECT branch FROM promises WHERE id = ANY($1::TEXT[])) ORDER BY id";
  const auto promise_array = text_array(promise_ids);
  const auto task_array = text_array(task_ids);
  const auto settled_array = text_array(settled);
  const auto preloaded_array = text_array(preloaded);
  std::vector<SqlSession::Query> queries{{promises_sql, {promise_array}}, {tasks_sql, {task_array}}};
  if (!settled.empty()) {
    queries.push_back({callbacks_sql, {settled_array}});
    queries.push_back({listeners_sql, {settled_array}});
  }
  if (!preloaded.empty()) queries.push_back({branches_sql, {preloaded_array}});
  auto rows = session().query_all(queries);

  // A row that does not decode (a damaged database) is left out: the request that reads it
  // fails alone, as without reading ahead.
  for (const auto id : promise_ids) promises_read_.emplace(std::string(id), std::nullopt);
  for (const auto id : task_ids) tasks_read_.emplace(std::string(id), std::nullopt);
  auto remember = [](SqlRows& found, auto& cache, auto read) {
    while (found.next()) {
      try {
        auto record = read(found);
        auto id = record.id;
        cache.insert_or_assign(std::move(id), std::move(record));
      } catch (const core::StoreError&) {
        cache.erase(found.text(0));
      }
    }
  };
  remember(*rows[0], promises_read_, read_promise);
  remember(*rows[1], tasks_read_, read_task);
  if (!preloaded.empty()) {
    // Every branch met is listed whole (ordered by id). A damaged row's branch is unknown (its
    // tags did not decode): then no branch is kept.
    auto& listed = *rows.back();
    bool damaged = false;
    while (listed.next()) {
      try {
        auto promise = read_promise(listed);
        const auto branch = promise.tag(tag::branch);
        branches_read_[std::string(branch)].push_back(std::move(promise));
      } catch (const core::StoreError&) {
        damaged = true;
      }
    }
    if (damaged) branches_read_.clear();
  }
  if (settled.empty()) return;
  // Only for records found (and so locked): one created meanwhile by another server is not
  // held, and what depends on it is read when needed. A task whose promise and task this
  // transaction holds gets no callback meanwhile either (its suspension holds the task, a
  // registration naming it as awaiter its promise).
  for (const auto id : settled) {
    const auto promise = promises_read_.find(id);
    if (promise == promises_read_.end() || !promise->second) continue;
    callbacks_on_.emplace(std::string(id), std::vector<std::string>{});
    listeners_on_.emplace(std::string(id), std::vector<std::string>{});
    if (const auto task = tasks_read_.find(id); task != tasks_read_.end() && task->second) {
      no_callbacks_of_.emplace(id);
    }
  }
  while (rows[2]->next()) {
    auto awaited = rows[2]->text(0);
    auto awaiter = rows[2]->text(1);
    if (auto entry = callbacks_on_.find(awaited); entry != callbacks_on_.end()) entry->second.push_back(awaiter);
    if (auto entry = no_callbacks_of_.find(awaiter); entry != no_callbacks_of_.end()) no_callbacks_of_.erase(entry);
  }
  while (rows[3]->next()) {
    if (auto entry = listeners_on_.find(rows[3]->text(0)); entry != listeners_on_.end()) {
      entry->second.push_back(rows[3]->text(1));
    }
  }
  for (auto* known : {&callbacks_on_, &listeners_on_}) {
    for (auto& [id, addressees] : *known) std::sort(addressees.begin(), addressees.end());
  }
}

// --- promises ---------------------------------------------------------------------------

std::optional<Promise> SqlTransaction::get_promise(std::string_view id) {
  if (auto cached = promises_read_.find(id); cached != promises_read_.end()) return cached->second;
  static const std::string sql = "SELECT " + promise_columns + " FROM promises WHERE id = $1";
  static const std::string locking_sql = sql + " FOR UPDATE";
  auto rows = session().query(locks_ == RowLocks::for_update ? locking_sql : sql, {id});
  std::optional<Promise> promise;
  if (rows->next()) promise = read_promise(*rows);
  promises_read_.insert_or_assign(std::string(id), promise);
  return promise;
}

void SqlTransaction::put_promise(const Promise& promise) {
  static const std::string insert_sql =
      "INSERT INTO promises (" + promise_columns + ", branch) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
  static const std::string upsert_sql =
      insert_sql +
      " ON CONFLICT (id) DO UPDATE SET state = excluded.state, param = excluded.param, value = excluded.value, "
      "tags = excluded.tags, timeout_at = excluded.timeout_at, created_at = excluded.created_at, "
      "settled_at = excluded.settled_at, branch = excluded.branch";
  const auto seen = promises_read_.find(promise.id);
  const auto& sql = inserts(seen != promises_read_.end() && !seen->second) ? insert_sql : upsert_sql;
  auto param = to_text(promise.param);
  auto value = to_text(promise.value);
  auto tags = to_text(promise.tags);
  SqlParam branch = nullptr;
  if (promise.has_tag(tag::branch)) branch = promise.tag(tag::branch);
  writer().execute(sql, {promise.id, to_string(promise.state), param, value, tags, promise.timeout_at,
                         promise.created_at, optional_param(promise.settled_at), branch});
  promises_read_.insert_or_assign(promise.id, promise);
  if (const auto* name = std::get_if<std::string_view>(&branch)) {
    if (auto known = branches_read_.find(*name); known != branches_read_.end()) {
      auto& members = known->second;
      auto at = std::lower_bound(members.begin(), members.end(), promise.id,
                                 [](const Promise& member, const std::string& id) { return member.id < id; });
      if (at != members.end() && at->id == promise.id) {
        *at = promise;
      } else {
        members.insert(at, promise);
      }
    }
  }
}

std::vector<Promise> SqlTransaction::search_promises(const core::PromiseQuery& query) {
  if (query.limit == 0) return {};
  std::vector<SqlParam> params;
  std::string sql = "SELECT " + promise_columns + " FROM promises WHERE TRUE";
  if (query.cursor) {
    sql += " AND id > " + next_placeholder(params);
    params.emplace_back(std::string_view(*query.cursor));
  }
  if (query.state) {
    sql += " AND state = " + next_placeholder(params);
    params.emplace_back(to_string(*query.state));
  }
  // The branch column narrows the scan; the remaining tags are matched below.
  auto branch = query.tags.find(tag::branch);
  if (branch != query.tags.end()) {
    sql += " AND branch = " + next_placeholder(params);
    params.emplace_back(std::string_view(branch->second));
  }
  bool only_sql_filters = query.tags.empty() || (query.tags.size() == 1 && branch != query.tags.end());
  sql += " ORDER BY id";
  if (only_sql_filters) {
    sql += " LIMIT " + next_placeholder(params);
    params.emplace_back(limit_param(query.limit));
  }
  auto rows = session().query(sql, params);
  std::vector<Promise> found;
  while (found.size() < query.limit && rows->next()) {
    auto promise = read_promise(*rows);
    if (tags_include(promise.tags, query.tags)) found.push_back(std::move(promise));
  }
  return found;
}

std::vector<Promise> SqlTransaction::promises_in_branch(std::string_view branch) {
  if (auto known = branches_read_.find(branch); known != branches_read_.end()) return known->second;
  static const std::string sql = "SELECT " + promise_columns + " FROM promises WHERE branch = $1 ORDER BY id";
  auto rows = session().query(sql, {branch});
  return read_all(*rows, read_promise);
}

// --- tasks ------------------------------------------------------------------------------

std::optional<Task> SqlTransaction::get_task(std::string_view id) {
  if (auto cached = tasks_read_.find(id); cached != tasks_read_.end()) return cached->second;
  static const std::string sql = "SELECT " + task_columns + " FROM tasks WHERE id = $1";
  static const std::string locking_sql = sql + " FOR UPDATE";
  auto rows = session().query(locks_ == RowLocks::for_update ? locking_sql : sql, {id});
  std::optional<Task> task;
  if (rows->next()) task = read_task(*rows);
  tasks_read_.insert_or_assign(std::string(id), task);
  return task;
}

void SqlTransaction::put_task(const Task& task) {
  static const std::string insert_sql = "INSERT INTO tasks (" + task_columns + ") VALUES ($1, $2, $3, $4, $5, $6)";
  static const std::string upsert_sql =
      insert_sql +
      " ON CONFLICT (id) DO UPDATE SET state = excluded.state, version = excluded.version, "
      "resumes = excluded.resumes, ttl = excluded.ttl, pid = excluded.pid";
  const auto seen = tasks_read_.find(task.id);
  const auto& sql = inserts(seen != tasks_read_.end() && !seen->second) ? insert_sql : upsert_sql;
  writer().execute(sql, {task.id, to_string(task.state), task.version, task.resumes, optional_param(task.ttl),
                         optional_param(task.pid)});
  tasks_read_.insert_or_assign(task.id, task);
}

std::vector<Task> SqlTransaction::search_tasks(const core::TaskQuery& query) {
  if (query.limit == 0) return {};
  std::vector<SqlParam> params;
  std::string sql = "SELECT " + task_columns + " FROM tasks WHERE TRUE";
  if (query.cursor) {
    sql += " AND id > " + next_placeholder(params);
    params.emplace_back(std::string_view(*query.cursor));
  }
  if (query.state) {
    sql += " AND state = " + next_placeholder(params);
    params.emplace_back(to_string(*query.state));
  }
  sql += " ORDER BY id LIMIT " + next_placeholder(params);
  params.emplace_back(limit_param(query.limit));
  auto rows = session().query(sql, params);
  return read_all(*rows, read_task);
}

// --- promise timeouts -------------------------------------------------------------------

void SqlTransaction::put_promise_timeout(const PromiseTimeout& timeout) {
  static const std::string sql =
      "INSERT INTO promise_timeouts (id, timeout) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET timeout = excluded.timeout";
  writer().execute(sql, {timeout.id, timeout.timeout});
}

void SqlTransaction::delete_promise_timeout(std::string_view id) {
  static const std::string sql = "DELETE FROM promise_timeouts WHERE id = $1";
  writer().execute(sql, {id});
}

// With row locks, a due entry is claimed by locking its row, skipping rows another server
// holds: each entry is handled by one server, and the claim never waits. FOR UPDATE re-reads
// a row changed since the statement began and checks the condition again, so an entry
// renewed just before the claim is not taken for due.
std::vector<PromiseTimeout> SqlTransaction::due_promise_timeouts(Millis now, std::size_t limit) {
  if (limit == 0) return {};
  static const std::string sql =
      "SELECT id, timeout FROM promise_timeouts WHERE timeout <= $1 ORDER BY timeout, id LIMIT $2";
  static const std::string locking_sql = sql + " FOR UPDATE SKIP LOCKED";
  auto rows = session().query(locks_ == RowLocks::for_update ? locking_sql : sql, {now, limit_param(limit)});
  return read_all(*rows, read_promise_timeout);
}

// --- task timeouts ----------------------------------------------------------------------

void SqlTransaction::put_task_timeout(const TaskTimeout& timeout) {
  static const std::string sql =
      "INSERT INTO task_timeouts (id, type, timeout) VALUES ($1, $2, $3) "
      "ON CONFLICT (id) DO UPDATE SET type = excluded.type, timeout = excluded.timeout";
  writer().execute(sql, {timeout.id, static_cast<std::int64_t>(timeout.type), timeout.timeout});
}

void SqlTransaction::delete_task_timeout(std::string_view id) {
  static const std::string sql = "DELETE FROM task_timeouts WHERE id = $1";
  writer().execute(sql, {id});
}

std::vector<TaskTimeout> SqlTransaction::due_task_timeouts(Millis now, std::size_t limit) {
  if (limit == 0) return {};
  static const std::string sql =
      "SELECT id, type, timeout FROM task_timeouts WHERE timeout <= $1 ORDER BY timeout, id LIMIT $2";
  static const std::string locking_sql = sql + " FOR UPDATE SKIP LOCKED";  // see due_promise_timeouts
  auto rows = session().query(locks_ == RowLocks::for_update ? locking_sql : sql, {now, limit_param(limit)});
  return read_all(*rows, read_task_timeout);
}

// --- callbacks --------------------------------------------------------------------------

namespace {

// Adds `addressee` to a sorted set held in a vector.
void insert_sorted(std::vector<std::string>& addressees, const std::string& addressee) {
  const auto at = std::lower_bound(addressees.begin(), addressees.end(), addressee);
  if (at == addressees.end() || *at != addressee) addressees.insert(at, addressee);
}

}  // namespace

void SqlTransaction::add_callback(const Callback& callback) {
  static const std::string sql = "INSERT INTO callbacks (awaited, awaiter) VALUES ($1, $2) ON CONFLICT DO NOTHING";
  writer().execute(sql, {callback.awaited, callback.awaiter});
  if (auto known = callbacks_on_.find(callback.awaited); known != callbacks_on_.end()) {
    insert_sorted(known->second, callback.awaiter);
  }
  if (auto none = no_callbacks_of_.find(callback.awaiter); none != no_callbacks_of_.end()) no_callbacks_of_.erase(none);
}

std::vector<std::string> SqlTransaction::take_callbacks_on(std::string_view awaited) {
  if (auto known = callbacks_on_.find(awaited); known != callbacks_on_.end()) {
    if (known->second.empty()) return {};  // nothing to delete
    static const std::string delete_sql = "DELETE FROM callbacks WHERE awaited = $1";
    writer().execute(delete_sql, {awaited});
    return std::exchange(known->second, {});
  }
  static const std::string sql = "DELETE FROM callbacks WHERE awaited = $1 RETURNING awaiter";
  auto rows = writer().query(sql, {awaited});
  auto awaiters = read_all(*rows, [](SqlRows& row) { return row.text(0); });
  std::sort(awaiters.begin(), awaiters.end());
  return awaiters;
}

void SqlTransaction::delete_callbacks_of(std::string_view awaiter) {
  if (no_callbacks_of_.contains(awaiter)) return;  // nothing to delete
  static const std::string sql = "DELETE FROM callbacks WHERE awaiter = $1";
  writer().execute(sql, {awaiter});
  for (auto& [awaited, awaiters] : callbacks_on_) std::erase(awaiters, awaiter);
}

// --- listeners --------------------------------------------------------------------------

void SqlTransaction::add_listener(const Listener& listener) {
  static const std::string sql = "INSERT INTO listeners (id, address) VALUES ($1, $2) ON CONFLICT DO NOTHING";
  writer().execute(sql, {listener.id, listener.address});
  if (auto known = listeners_on_.find(listener.id); known != listeners_on_.end()) {
    insert_sorted(known->second, listener.address);
  }
}

std::vector<std::string> SqlTransaction::take_listeners_on(std::string_view id) {
  if (auto known = listeners_on_.find(id); known != listeners_on_.end()) {
    if (known->second.empty()) return {};  // nothing to delete
    static const std::string delete_sql = "DELETE FROM listeners WHERE id = $1";
    writer().execute(delete_sql, {id});
    return std::exchange(known->second, {});
  }
  static const std::string sql = "DELETE FROM listeners WHERE id = $1 RETURNING address";
  auto rows = writer().query(sql, {id});
  auto addresses = read_all(*rows, [](SqlRows& row) { return row.text(0); });
  std::sort(addresses.begin(), addresses.end());
  return addresses;
}

// --- schedules --------------------------------------------------------------------------

std::optional<Schedule> SqlTransaction::get_schedule(std::string_view id) {
  static const std::string sql = "SELECT " + schedule_columns + " FROM schedules WHERE id = $1";
  static const std::string locking_sql = sql + " FOR UPDATE";
  auto rows = session().query(locks_ == RowLocks::for_update ? locking_sql : sql, {id});
  if (!rows->next()) {
    if (locks_ == RowLocks::for_update) schedules_absent_.emplace(id);
    return std::nullopt;
  }
  return read_schedule(*rows);
}

void SqlTransaction::put_schedule(const Schedule& schedule) {
  static const std::string insert_sql =
      "INSERT INTO schedules (" + schedule_columns + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
  static const std::string upsert_sql =
      insert_sql +
      " ON CONFLICT (id) DO UPDATE SET cron = excluded.cron, promise_id = excluded.promise_id, "
      "promise_timeout = excluded.promise_timeout, promise_param = excluded.promise_param, "
      "promise_tags = excluded.promise_tags, created_at = excluded.created_at, "
      "next_run_at = excluded.next_run_at, last_run_at = excluded.last_run_at";
  const auto absent = schedules_absent_.find(schedule.id);
  const auto& sql = inserts(absent != schedules_absent_.end()) ? insert_sql : upsert_sql;
  auto param = to_text(schedule.promise_param);
  auto tags = to_text(schedule.promise_tags);
  writer().execute(sql, {schedule.id, schedule.cron, schedule.promise_id, schedule.promise_timeout, param, tags,
                         schedule.created_at, schedule.next_run_at, optional_param(schedule.last_run_at)});
  if (absent != schedules_absent_.end()) schedules_absent_.erase(absent);
}

bool SqlTransaction::delete_schedule(std::string_view id) {
  static const std::string sql = "DELETE FROM schedules WHERE id = $1 RETURNING id";
  auto rows = writer().query(sql, {id});
  bool deleted = false;
  while (rows->next()) deleted = true;
  return deleted;
}

std::vector<Schedule> SqlTransaction::search_schedules(const core::ScheduleQuery& query) {
  if (query.limit == 0) return {};
  std::vector<SqlParam> params;
  std::string sql = "SELECT " + schedule_columns + " FROM schedules";
  if (query.cursor) {
    sql += " WHERE id > " + next_placeholder(params);
    params.emplace_back(std::string_view(*query.cursor));
  }
  sql += " ORDER BY id";
  if (query.tags.empty()) {
    sql += " LIMIT " + next_placeholder(params);
    params.emplace_back(limit_param(query.limit));
  }
  auto rows = session().query(sql, params);
  std::vector<Schedule> found;
  while (found.size() < query.limit && rows->next()) {
    auto schedule = read_schedule(*rows);
    if (tags_include(schedule.promise_tags, query.tags)) found.push_back(std::move(schedule));
  }
  return found;
}

std::vector<Schedule> SqlTransaction::due_schedules(Millis now, std::size_t limit) {
  if (limit == 0) return {};
  static const std::string sql =
      "SELECT " + schedule_columns + " FROM schedules WHERE next_run_at <= $1 ORDER BY next_run_at, id LIMIT $2";
  // The schedule's row is its claim (see due_promise_timeouts).
  static const std::string locking_sql = sql + " FOR UPDATE SKIP LOCKED";
  auto rows = session().query(locks_ == RowLocks::for_update ? locking_sql : sql, {now, limit_param(limit)});
  return read_all(*rows, read_schedule);
}

// --- savepoints -------------------------------------------------------------------------

// Each savepoint of a transaction has a name of its own (request_1, request_2, ...): with
// PostgreSQL's pipeline a failed write may surface only in a later request, and the rollback
// of that later request must then fail (its savepoint was never made: the transaction was
// already failed) rather than roll back to an earlier request's savepoint, undoing writes of a
// request counted a success. (At most max_commit_batch names, each one prepared statement.)
void SqlTransaction::savepoint() {
  savepoint_name_ = "request_" + std::to_string(++savepoints_);
  session().execute("SAVEPOINT " + savepoint_name_, {});
}

void SqlTransaction::release_savepoint() { session().execute("RELEASE SAVEPOINT " + savepoint_name_, {}); }

void SqlTransaction::rollback_to_savepoint() {
  // ROLLBACK TO keeps the savepoint open (SQLite and PostgreSQL alike): release it too.
  session().execute("ROLLBACK TO SAVEPOINT " + savepoint_name_, {});
  forget_reads();
  release_savepoint();
}

// --- deadlines --------------------------------------------------------------------------

std::optional<Millis> SqlTransaction::next_deadline() {
  // Each MIN reads the first entry of its time index.
  static const std::string sql =
      "SELECT MIN(deadline) FROM (SELECT MIN(timeout) AS deadline FROM promise_timeouts "
      "UNION ALL SELECT MIN(timeout) FROM task_timeouts UNION ALL SELECT MIN(next_run_at) FROM schedules) AS due";
  auto rows = session().query(sql, {});
  if (!rows->next() || rows->is_null(0)) return std::nullopt;
  return rows->integer(0);
}

// --- outbox -----------------------------------------------------------------------------

void SqlTransaction::put_message(const OutboxMessage& message) {
  // Deleting first gives the new message a fresh sequence number: the back of the queue.
  static const std::string delete_sql = "DELETE FROM outbox WHERE key = $1";
  static const std::string insert_sql = "INSERT INTO outbox (key, address, body) VALUES ($1, $2, $3)";
  writer().execute(delete_sql, {message.key});
  writer().execute(insert_sql, {message.key, message.address, message.body});
}

std::vector<OutboxMessage> SqlTransaction::take_messages(std::size_t limit) {
  if (limit == 0) return {};
  static const std::string sql =
      "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox ORDER BY seq LIMIT $1) RETURNING seq, key, address, body";
  auto rows = writer().query(sql, {limit_param(limit)});
  return messages_in_order(*rows);
}

std::vector<OutboxMessage> SqlTransaction::messages_in_order(SqlRows& rows) {
  std::vector<std::pair<std::int64_t, OutboxMessage>> taken;
  while (rows.next()) taken.emplace_back(rows.integer(0), OutboxMessage{rows.text(1), rows.text(2), rows.text(3)});
  std::sort(taken.begin(), taken.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<OutboxMessage> messages;
  messages.reserve(taken.size());
  for (auto& [sequence, message] : taken) messages.push_back(std::move(message));
  return messages;
}

// --- whole-state views and reset --------------------------------------------------------

core::StateCounts SqlTransaction::count_by_state() {
  core::StateCounts counts;
  // Both tables have an index on (state, id): the counts come from the index alone.
  auto promises = session().query("SELECT state, count(*) FROM promises GROUP BY state", {});
  while (promises->next()) {
    const auto state = promise_state_from(promises->text(0));
    if (!state) damaged("promises", "", "unknown state " + promises->text(0));
    counts.promises[*state] = static_cast<std::uint64_t>(promises->integer(1));
  }
  auto tasks = session().query("SELECT state, count(*) FROM tasks GROUP BY state", {});
  while (tasks->next()) {
    const auto state = task_state_from(tasks->text(0));
    if (!state) damaged("tasks", "", "unknown state " + tasks->text(0));
    counts.tasks[*state] = static_cast<std::uint64_t>(tasks->integer(1));
  }
  return counts;
}

std::vector<Promise> SqlTransaction::all_promises() {
  static const std::string sql = "SELECT " + promise_columns + " FROM promises ORDER BY id";
  auto rows = session().query(sql, {});
  return read_all(*rows, read_promise);
}

std::vector<Task> SqlTransaction::all_tasks() {
  static const std::string sql = "SELECT " + task_columns + " FROM tasks ORDER BY id";
  auto rows = session().query(sql, {});
  return read_all(*rows, read_task);
}

std::vector<PromiseTimeout> SqlTransaction::all_promise_timeouts() {
  static const std::string sql = "SELECT id, timeout FROM promise_timeouts ORDER BY id";
  auto rows = session().query(sql, {});
  return read_all(*rows, read_promise_timeout);
}

std::vector<TaskTimeout> SqlTransaction::all_task_timeouts() {
  static const std::string sql = "SELECT id, type, timeout FROM task_timeouts ORDER BY id";
  auto rows = session().query(sql, {});
  return read_all(*rows, read_task_timeout);
}

std::vector<Callback> SqlTransaction::all_callbacks() {
  static const std::string sql = "SELECT awaited, awaiter FROM callbacks ORDER BY awaited, awaiter";
  auto rows = session().query(sql, {});
  return read_all(*rows, [](SqlRows& row) { return Callback{row.text(0), row.text(1)}; });
}

std::vector<Listener> SqlTransaction::all_listeners() {
  static const std::string sql = "SELECT id, address FROM listeners ORDER BY id, address";
  auto rows = session().query(sql, {});
  return read_all(*rows, [](SqlRows& row) { return Listener{row.text(0), row.text(1)}; });
}

std::vector<OutboxMessage> SqlTransaction::all_messages() {
  static const std::string sql = "SELECT key, address, body FROM outbox ORDER BY seq";
  auto rows = session().query(sql, {});
  return read_all(*rows, [](SqlRows& row) { return OutboxMessage{row.text(0), row.text(1), row.text(2)}; });
}

void SqlTransaction::clear() {
  static const std::vector<std::string> statements = {
      "DELETE FROM promises",  "DELETE FROM tasks",     "DELETE FROM promise_timeouts", "DELETE FROM task_timeouts",
      "DELETE FROM callbacks", "DELETE FROM listeners", "DELETE FROM schedules",        "DELETE FROM outbox",
  };
  for (const auto& sql : statements) writer().execute(sql, {});
  forget_reads();
}

void SqlTransaction::forget_reads() {
  promises_read_.clear();
  tasks_read_.clear();
  callbacks_on_.clear();
  listeners_on_.clear();
  no_callbacks_of_.clear();
  branches_read_.clear();
  schedules_absent_.clear();
}

}  // namespace resonate::store
