// The SQLite store: one connection in WAL mode with synchronous=FULL, so a committed
// transaction survives kill -9 and power loss. Transactions are serialised by a mutex in
// the process and BEGIN IMMEDIATE (with a busy timeout) between processes.
#include <sqlite3.h>

#include <array>
#include <mutex>
#include <unordered_map>

#include "store/factories.hpp"
#include "store/sql_transaction.hpp"

namespace resonate::store {

// The store's rows are the protocol's records (wire::Promise, wire::Task, ...).
using namespace resonate::wire;

namespace {

// Migrations, applied in order; PRAGMA user_version counts the ones applied. Append, never edit.
constexpr std::array<const char*, 2> migrations = {
    R"sql(
CREATE TABLE promises (
  id TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  param TEXT NOT NULL,
  value TEXT NOT NULL,
  tags TEXT NOT NULL,
  timeout_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  settled_at INTEGER,
  branch TEXT
) WITHOUT ROWID;
CREATE INDEX promises_by_state ON promises (state, id);
CREATE INDEX promises_by_branch ON promises (branch, id) WHERE branch IS NOT NULL;

CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  version INTEGER NOT NULL,
  resumes INTEGER NOT NULL,
  ttl INTEGER,
  pid TEXT
) WITHOUT ROWID;
CREATE INDEX tasks_by_state ON tasks (state, id);

CREATE TABLE promise_timeouts (
  id TEXT PRIMARY KEY,
  timeout INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX promise_timeouts_by_time ON promise_timeouts (timeout, id);

CREATE TABLE task_timeouts (
  id TEXT PRIMARY KEY,
  type INTEGER NOT NULL,
  timeout INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX task_timeouts_by_time ON task_timeouts (timeout, id);

CREATE TABLE callbacks (
  awaited TEXT NOT NULL,
  awaiter TEXT NOT NULL,
  PRIMARY KEY (awaited, awaiter)
) WITHOUT ROWID;
CREATE INDEX callbacks_by_awaiter ON callbacks (awaiter);

CREATE TABLE listeners (
  id TEXT NOT NULL,
  address TEXT NOT NULL,
  PRIMARY KEY (id, address)
) WITHOUT ROWID;

CREATE TABLE schedules (
  id TEXT PRIMARY KEY,
  cron TEXT NOT NULL,
  promise_id TEXT NOT NULL,
  promise_timeout INTEGER NOT NULL,
  promise_param TEXT NOT NULL,
  promise_tags TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  next_run_at INTEGER NOT NULL,
  last_run_at INTEGER
) WITHOUT ROWID;
CREATE INDEX schedules_by_next_run ON schedules (next_run_at, id);

CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL UNIQUE,
  address TEXT NOT NULL,
  body TEXT NOT NULL
);
)sql",
    // How many promises and tasks are in each state, kept by triggers in the transaction that
    // changes them: /metrics reads a few rows instead of counting millions on the core thread.
    R"sql(
CREATE TABLE state_counts (
  records TEXT NOT NULL,
  state TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (records, state)
) WITHOUT ROWID;
INSERT INTO state_counts SELECT 'promises', state, count(*) FROM promises GROUP BY state;
INSERT INTO state_counts SELECT 'tasks', state, count(*) FROM tasks GROUP BY state;
CREATE TRIGGER promises_counted_on_insert AFTER INSERT ON promises BEGIN
  INSERT INTO state_counts VALUES ('promises', NEW.state, 1)
    ON CONFLICT (records, state) DO UPDATE SET count = count + 1;
END;
CREATE TRIGGER promises_counted_on_update AFTER UPDATE OF state ON promises WHEN OLD.state IS NOT NEW.state BEGIN
  UPDATE state_counts SET count = count - 1 WHERE records = 'promises' AND state = OLD.state;
  INSERT INTO state_counts VALUES ('promises', NEW.state, 1)
    ON CONFLICT (records, state) DO UPDATE SET count = count + 1;
END;
CREATE TRIGGER promises_counted_on_delete AFTER DELETE ON promises BEGIN
  UPDATE state_counts SET count = count - 1 WHERE records = 'promises' AND state = OLD.state;
END;
CREATE TRIGGER tasks_counted_on_insert AFTER INSERT ON tasks BEGIN
  INSERT INTO state_counts VALUES ('tasks', NEW.state, 1)
    ON CONFLICT (records, state) DO UPDATE SET count = count + 1;
END;
CREATE TRIGGER tasks_counted_on_update AFTER UPDATE OF state ON tasks WHEN OLD.state IS NOT NEW.state BEGIN
  UPDATE state_counts SET count = count - 1 WHERE records = 'tasks' AND state = OLD.state;
  INSERT INTO state_counts VALUES ('tasks', NEW.state, 1)
    ON CONFLICT (records, state) DO UPDATE SET count = count + 1;
END;
CREATE TRIGGER tasks_counted_on_delete AFTER DELETE ON tasks BEGIN
  UPDATE state_counts SET count = count - 1 WHERE records = 'tasks' AND state = OLD.state;
END;
)sql",
};

constexpr int busy_timeout_ms = 10'000;

[[noreturn]] void fail(sqlite3* db, std::string_view what) {
  throw core::StoreError("sqlite: " + std::string(what) + ": " + sqlite3_errmsg(db));
}

class SqliteRows final : public SqlRows {
 public:
  SqliteRows(sqlite3* db, sqlite3_stmt* statement) : db_(db), statement_(statement) {}
  ~SqliteRows() override {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  SqliteRows(const SqliteRows&) = delete;
  SqliteRows& operator=(const SqliteRows&) = delete;

  bool next() override {
    int status = sqlite3_step(statement_);
    if (status == SQLITE_ROW) return true;
    if (status == SQLITE_DONE) return false;
    fail(db_, sqlite3_sql(statement_));
  }

  bool is_null(int column) override { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }

  std::string text(int column) override {
    const auto* bytes = sqlite3_column_text(statement_, column);
    auto size = sqlite3_column_bytes(statement_, column);
    if (bytes == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(size));
  }

  std::int64_t integer(int column) override { return sqlite3_column_int64(statement_, column); }

 private:
  sqlite3* db_;
  sqlite3_stmt* statement_;
};

// One connection and its prepared statements, each prepared on first use.
class SqliteSession final : public SqlSession {
 public:
  explicit SqliteSession(const std::string& path) {
    int status = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (status != SQLITE_OK) {
      std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(status);
      sqlite3_close(db_);
      throw core::StoreError("sqlite: cannot open " + path + ": " + message);
    }
    sqlite3_busy_timeout(db_, busy_timeout_ms);
  }

  ~SqliteSession() override {
    for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
    sqlite3_close(db_);
  }

  SqliteSession(const SqliteSession&) = delete;
  SqliteSession& operator=(const SqliteSession&) = delete;

  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

  // Runs statements without parameters (pragmas, schema); rows are ignored.
  void run_script(const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
      std::string message = error != nullptr ? error : "unknown error";
      sqlite3_free(error);
      throw core::StoreError("sqlite: " + message);
    }
  }

  std::unique_ptr<SqlRows> query(const std::string& sql, const std::vector<SqlParam>& params) override {
    sqlite3_stmt* statement = prepared(sql);
    auto rows = std::make_unique<SqliteRows>(db_, statement);
    for (std::size_t i = 0; i < params.size(); ++i) bind(statement, static_cast<int>(i + 1), params[i]);
    return rows;
  }

 private:
  sqlite3_stmt* prepared(const std::string& sql) {
    if (auto found = statements_.find(sql); found != statements_.end()) return found->second;
    // The shared statements number their parameters $1, $2, ...; SQLite spells that ?1, ?2, ...
    std::string native = sql;
    for (auto& c : native) {
      if (c == '$') c = '?';
    }
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v3(db_, native.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &statement, nullptr) != SQLITE_OK) {
      fail(db_, "prepare " + sql);
    }
    statements_.emplace(sql, statement);
    return statement;
  }

  void bind(sqlite3_stmt* statement, int index, const SqlParam& param) {
    int status = SQLITE_OK;
    if (const auto* number = std::get_if<std::int64_t>(&param)) {
      status = sqlite3_bind_int64(statement, index, *number);
    } else if (const auto* text = std::get_if<std::string_view>(&param)) {
      status = sqlite3_bind_text64(statement, index, text->data(), text->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    } else {
      status = sqlite3_bind_null(statement, index);
    }
    if (status != SQLITE_OK) fail(db_, "bind");
  }

  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

class SqliteTransaction final : public SqlTransaction {
 public:
  SqliteTransaction(std::mutex& mutex, SqliteSession& session) : SqlTransaction(session), lock_(mutex), session_(session) {
    // A transaction left open by a failed rollback must not swallow this one.
    if (session_.in_transaction()) session_.run_script("ROLLBACK");
    static const std::string begin_sql = "BEGIN IMMEDIATE";
    session_.execute(begin_sql, {});
  }

  ~SqliteTransaction() override {
    if (finished_) return;
    static const std::string rollback_sql = "ROLLBACK";
    try {
      session_.execute(rollback_sql, {});
    } catch (const core::StoreError&) {
      // SQLite already rolled back (an I/O error does that); nothing is left to undo.
    }
  }

  // From the counts the triggers keep (migration 2), not a count of the tables.
  core::StateCounts count_by_state() override {
    static const std::string sql = "SELECT records, state, count FROM state_counts WHERE count > 0";
    auto rows = session_.query(sql, {});
    core::StateCounts counts;
    while (rows->next()) {
      const auto records = rows->text(0);
      const auto state = rows->text(1);
      const auto count = static_cast<std::uint64_t>(rows->integer(2));
      if (records == "promises") {
        if (const auto known = wire::promise_state_from(state)) {
          counts.promises[*known] = count;
          continue;
        }
      } else if (records == "tasks") {
        if (const auto known = wire::task_state_from(state)) {
          counts.tasks[*known] = count;
          continue;
        }
      }
      throw core::StoreError("sqlite: damaged row in state_counts: " + records + " " + state);
    }
    return counts;
  }

  void commit() override {
    if (finished_) throw core::StoreError("transaction committed twice");
    static const std::string commit_sql = "COMMIT";
    session_.execute(commit_sql, {});
    finished_ = true;
    lock_.unlock();
  }

 private:
  std::unique_lock<std::mutex> lock_;
  SqliteSession& session_;
};

class SqliteStore final : public core::Store {
 public:
  explicit SqliteStore(const std::string& path) : session_(path) {
    session_.run_script("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
    migrate();
  }

  std::unique_ptr<core::Transaction> begin() override { return std::make_unique<SqliteTransaction>(mutex_, session_); }

  bool ready() override {
    std::lock_guard lock(mutex_);
    try {
      static const std::string ping = "SELECT 1";
      session_.execute(ping, {});
      return true;
    } catch (const core::StoreError&) {
      return false;
    }
  }

 private:
  void migrate() {
    session_.run_script("BEGIN IMMEDIATE");
    try {
      auto version = user_version();
      if (version > static_cast<std::int64_t>(migrations.size())) {
        throw core::StoreError("sqlite: the database has schema version " + std::to_string(version) +
                         ", newer than this program knows (" + std::to_string(migrations.size()) + ")");
      }
      for (auto next = static_cast<std::size_t>(version); next < migrations.size(); ++next) {
        session_.run_script(migrations[next]);
      }
      session_.run_script(("PRAGMA user_version = " + std::to_string(migrations.size())).c_str());
      session_.run_script("COMMIT");
    } catch (...) {
      session_.run_script("ROLLBACK");
      throw;
    }
  }

  std::int64_t user_version() {
    static const std::string sql = "PRAGMA user_version";
    auto rows = session_.query(sql, {});
    if (!rows->next()) throw core::StoreError("sqlite: PRAGMA user_version returned nothing");
    return rows->integer(0);
  }

  std::mutex mutex_;
  SqliteSession session_;
};

}  // namespace

std::unique_ptr<core::Store> make_sqlite_store(const std::string& path) { return std::make_unique<SqliteStore>(path); }

}  // namespace resonate::store
