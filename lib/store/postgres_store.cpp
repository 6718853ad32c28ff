// The PostgreSQL store, for several servers (replicas) sharing one database.
//
// Transactions run at READ COMMITTED and lock the rows they act on: a promise, task or
// schedule read by id is read FOR UPDATE, so transactions that touch the same records run one
// after the other while others run at once (docs/deployment.md, "Concurrency between
// replicas", says which anomalies this rules out and why). What the locks cannot cover is
// caught as a conflict (StoreConflict: the core runs the transaction again): a record read as
// absent is inserted without ON CONFLICT, so two servers creating one id collide on the primary
// key instead of one overwriting the other; a deadlock (two batches locking shared rows in
// opposite orders) fails one of them. Due timeouts and schedules are claimed with SKIP LOCKED,
// and a claim leaves an entry whose promise or task another server holds (it never waits, so it
// cannot deadlock). Only migrations take a global advisory lock. (SERIALIZABLE isolation was
// measured instead, docs/benchmarks.md: concurrent creates of new ids meet on the rightmost
// page of the primary key, SSI fails one of them nearly every time, and two replicas fell to a
// tenth of one.)
//
// Statements run in libpq's pipeline mode: a write goes out without waiting for its answer,
// which is read with the next query's (one round trip for both) or at the commit. A failed
// write therefore surfaces at a later statement, possibly a later request's; savepoints have
// names of their own (sql_transaction.cpp), so that the failure then fails the whole batch,
// never only the later request, and the COMMIT of a failed transaction is never taken for one.
//
// The outbox is shared: each message row names the group (and, for poll://uni@, the worker)
// that can carry it, and a server takes only the rows its own streams can carry
// (take_messages_for), so a message reaches a member connected to any replica. A transaction
// that queued messages others must carry NOTIFYs the channel `resonate_outbox` at its commit,
// once per carrier (a group, or a group and process); every server LISTENs on it (feed()) and,
// when one of its streams can carry them, takes them at once (or with its next batch,
// server/announcements.hpp) instead of at its next poll. (Waking every server at every commit
// would make each run a transaction for nothing.)
#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <mutex>
#include <set>
#include <unordered_map>

#include "store/factories.hpp"
#include "store/sql_transaction.hpp"
#include "wire/address.hpp"

namespace resonate::store {

// The store's rows are the protocol's records (wire::Promise, wire::Task, ...).
using namespace resonate::wire;

namespace {

// The key of the advisory lock that serialises migrations ("resonate" in ASCII).
constexpr const char* lock_statement = "SELECT pg_advisory_xact_lock(8243122710187472997)";

// Migrations, applied in order; the table resonate_schema counts the ones applied. Append,
// never edit. Ids compare bytewise (COLLATE "C") like std::string and SQLite.
constexpr std::array<const char*, 2> migrations = {
    R"sql(
CREATE TABLE promises (
  id TEXT COLLATE "C" PRIMARY KEY,
  state TEXT NOT NULL,
  param TEXT NOT NULL,
  value TEXT NOT NULL,
  tags TEXT NOT NULL,
  timeout_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  settled_at BIGINT,
  branch TEXT COLLATE "C"
);
CREATE INDEX promises_by_state ON promises (state, id);
CREATE INDEX promises_by_branch ON promises (branch, id) WHERE branch IS NOT NULL;

CREATE TABLE tasks (
  id TEXT COLLATE "C" PRIMARY KEY,
  state TEXT NOT NULL,
  version BIGINT NOT NULL,
  resumes BIGINT NOT NULL,
  ttl BIGINT,
  pid TEXT
);
CREATE INDEX tasks_by_state ON tasks (state, id);

CREATE TABLE promise_timeouts (
  id TEXT COLLATE "C" PRIMARY KEY,
  timeout BIGINT NOT NULL
);
CREATE INDEX promise_timeouts_by_time ON promise_timeouts (timeout, id);

CREATE TABLE task_timeouts (
  id TEXT COLLATE "C" PRIMARY KEY,
  type BIGINT NOT NULL,
  timeout BIGINT NOT NULL
);
CREATE INDEX task_timeouts_by_time ON task_timeouts (timeout, id);

CREATE TABLE callbacks (
  awaited TEXT COLLATE "C" NOT NULL,
  awaiter TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (awaited, awaiter)
);
CREATE INDEX callbacks_by_awaiter ON callbacks (awaiter);

CREATE TABLE listeners (
  id TEXT COLLATE "C" NOT NULL,
  address TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (id, address)
);

CREATE TABLE schedules (
  id TEXT COLLATE "C" PRIMARY KEY,
  cron TEXT NOT NULL,
  promise_id TEXT NOT NULL,
  promise_timeout BIGINT NOT NULL,
  promise_param TEXT NOT NULL,
  promise_tags TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  next_run_at BIGINT NOT NULL,
  last_run_at BIGINT
);
CREATE INDEX schedules_by_next_run ON schedules (next_run_at, id);

CREATE TABLE outbox (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  address TEXT NOT NULL,
  body TEXT NOT NULL
);
)sql",
    // Routes of the shared outbox: NULL group for messages any server may take (http:// pushes,
    // and rows queued before this migration); queued_at (ms, the database's clock) for expiry.
    R"sql(
ALTER TABLE outbox ADD COLUMN route_group TEXT COLLATE "C";
ALTER TABLE outbox ADD COLUMN route_worker TEXT COLLATE "C";
ALTER TABLE outbox ADD COLUMN queued_at BIGINT NOT NULL DEFAULT (extract(epoch FROM now()) * 1000)::BIGINT;
CREATE INDEX outbox_by_queued_at ON outbox (queued_at);
)sql",
};

// The channel on which a commit that queued messages tells the other servers, with who can
// carry them as the payload (StoreFeed::drain; payloads are limited to 8000 bytes).
constexpr const char* outbox_channel = "resonate_outbox";
constexpr std::size_t max_announced_carrier = 1000;

using ResultHandle = std::unique_ptr<PGresult, decltype(&PQclear)>;

// Whether a failed statement lost a race with another server's transaction, so that running
// the transaction again will do: a deadlock, a serialization failure, a lock not available, or
// a duplicate key (a row read as absent that another transaction created meanwhile).
bool lost_race(const PGresult* result) {
  const char* code = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  if (code == nullptr) return false;
  const std::string_view state(code);
  return state == "40P01" || state == "40001" || state == "55P03" || state == "23505";
}

// The store error for a failed statement: a StoreConflict when it lost a race.
[[noreturn]] void fail_statement(const PGresult* result, std::string message) {
  if (lost_race(result)) throw core::StoreConflict(message);
  throw core::StoreError(message);
}

class PostgresRows final : public SqlRows {
 public:
  explicit PostgresRows(ResultHandle result) : result_(std::move(result)), rows_(PQntuples(result_.get())) {}

  bool next() override { return ++row_ < rows_; }
  bool is_null(int column) override { return PQgetisnull(result_.get(), row_, column) != 0; }

  std::string text(int column) override {
    return std::string(PQgetvalue(result_.get(), row_, column),
                       static_cast<std::size_t>(PQgetlength(result_.get(), row_, column)));
  }

  std::int64_t integer(int column) override {
    const char* begin = PQgetvalue(result_.get(), row_, column);
    const char* end = begin + PQgetlength(result_.get(), row_, column);
    std::int64_t number = 0;
    auto [stop, error] = std::from_chars(begin, end, number);
    if (error != std::errc{} || stop != end) throw core::StoreError("postgres: not an integer: " + std::string(begin, end));
    return number;
  }

 private:
  ResultHandle result_;
  int rows_;
  int row_ = -1;
};

// One connection and its prepared statements. After the connection breaks, reconnect()
// opens it again and statements are prepared anew.
class PostgresSession final : public SqlSession {
 public:
  explicit PostgresSession(std::string conninfo) : conninfo_(std::move(conninfo)) { reconnect(); }

  ~PostgresSession() override { PQfinish(connection_); }

  PostgresSession(const PostgresSession&) = delete;
  PostgresSession& operator=(const PostgresSession&) = delete;

  bool connected() const { return PQstatus(connection_) == CONNECTION_OK; }

  // Reads, without waiting, whatever the server sent while the connection was idle: a server
  // that closed it (a restart, an idle timeout, a terminated backend) has said so, and the
  // connection is then no longer connected().
  void take_pending_input() {
    // The goodbye message and the end of the stream come as two reads.
    for (int read = 0; read < 4 && connected(); ++read) {
      pollfd socket{PQsocket(connection_), POLLIN, 0};
      if (::poll(&socket, 1, 0) <= 0) return;  // nothing arrived
      if (PQconsumeInput(connection_) == 0) return;  // closed: no longer connected()
    }
  }
  bool idle() const { return PQtransactionStatus(connection_) == PQTRANS_IDLE; }

  // Before a transaction, or a statement on its own: a connection the server closed meanwhile
  // is opened again, and a transaction left open by a failed rollback is ended so that it
  // cannot swallow the next one.
  void make_ready() {
    take_pending_input();
    if (!connected()) reconnect();
    if (!idle()) run_script("ROLLBACK");
  }

  void reconnect() {
    PQfinish(connection_);
    prepared_.clear();
    pipelined_ = false;
    in_flight_.clear();
    preparing_.clear();
    connection_ = PQconnectdb(conninfo_.c_str());
    if (!connected()) {
      auto message = error_message();
      PQfinish(connection_);
      connection_ = nullptr;
      throw core::StoreError("postgres: cannot connect: " + message);
    }
    // Notices ("relation already exists, skipping") would go to stderr; errors are thrown.
    PQsetNoticeProcessor(connection_, [](void*, const char*) {}, nullptr);
  }

  // Runs statements without parameters; rows are ignored.
  void run_script(const char* sql) { check(ResultHandle(PQexec(connection_, sql), &PQclear), sql); }

  std::unique_ptr<SqlRows> query(const std::string& sql, const std::vector<SqlParam>& params) override {
    if (pipelined_) {
      send(sql, params);
      auto results = collect();
      return std::make_unique<PostgresRows>(std::move(results.back()));
    }
    const std::string& name = prepared(sql);
    Texts texts(params);
    ResultHandle result(PQexecPrepared(connection_, name.c_str(), texts.count(), texts.values(), nullptr, nullptr, 0),
                        &PQclear);
    check(result, sql);
    return std::make_unique<PostgresRows>(std::move(result));
  }

  std::vector<std::unique_ptr<SqlRows>> query_all(const std::vector<Query>& queries) override {
    if (!pipelined_ || queries.empty()) return SqlSession::query_all(queries);
    // Where each query's answer comes among the segment's (a statement prepared on its first
    // use has an answer of its own before it).
    std::vector<std::size_t> answers;
    for (const auto& each : queries) {
      send(each.sql, each.params);
      answers.push_back(in_flight_.size() - 1);
    }
    auto results = collect();
    std::vector<std::unique_ptr<SqlRows>> rows;
    for (const auto at : answers) rows.push_back(std::make_unique<PostgresRows>(std::move(results[at])));
    return rows;
  }

  void execute(const std::string& sql, const std::vector<SqlParam>& params) override {
    if (!pipelined_) {
      SqlSession::execute(sql, params);
      return;
    }
    send(sql, params);
  }

  // Sends COMMIT after the pipeline's outstanding statements and reads every answer in one
  // round trip, leaving pipeline mode. PostgreSQL answers the COMMIT of a failed transaction
  // with a ROLLBACK: that must not pass for a commit. A connection that breaks now leaves the
  // outcome unknown: a StoreError, never a StoreConflict (running it again could apply it twice).
  // Returns the answers of every statement sent since the last round trip (send_query()).
  std::vector<ResultHandle> commit_pipeline() {
    static const std::string commit_sql = "COMMIT";
    send(commit_sql, {});
    auto results = collect(/*commit_in_flight=*/true);
    pipelined_ = false;
    if (PQexitPipelineMode(connection_) != 1) throw core::StoreError("postgres: cannot leave pipeline mode: " + error_message());
    const auto& result = results.back();
    if (!result || std::string_view(PQcmdStatus(result.get())) != "COMMIT") {
      throw core::StoreError("postgres: the transaction was rolled back at its commit (a statement of it had failed)");
    }
    return results;
  }

  // Queues a query whose rows are read with the next round trip's answers (commit_pipeline()):
  // returns its place among them.
  std::size_t send_query(const std::string& sql, const std::vector<SqlParam>& params) {
    send(sql, params);
    return in_flight_.size() - 1;
  }

  // Pipeline mode for the statements of one transaction (after BEGIN): writes go out without
  // waiting for their answers, which are read at the next query (one round trip for both).
  void enter_pipeline() {
    if (PQenterPipelineMode(connection_) != 1) throw core::StoreError("postgres: cannot enter pipeline mode: " + error_message());
    pipelined_ = true;
  }

  // Leaves pipeline mode whatever happened (before a rollback): answers and failures dropped.
  void abandon_pipeline() noexcept {
    if (!pipelined_) return;
    try {
      if (!in_flight_.empty()) collect();
    } catch (const core::StoreError&) {
    }
    pipelined_ = false;
    PQexitPipelineMode(connection_);
  }

 private:
  // The text form of statement parameters, alive as long as this object.
  class Texts {
   public:
    explicit Texts(const std::vector<SqlParam>& params) : texts_(params.size()), values_(params.size(), nullptr) {
      for (std::size_t i = 0; i < params.size(); ++i) {
        if (const auto* number = std::get_if<std::int64_t>(&params[i])) {
          texts_[i] = std::to_string(*number);
          values_[i] = texts_[i].c_str();
        } else if (const auto* text = std::get_if<std::string_view>(&params[i])) {
          texts_[i] = std::string(*text);
          values_[i] = texts_[i].c_str();
        }
      }
    }
    int count() const { return static_cast<int>(values_.size()); }
    const char* const* values() const { return values_.data(); }

   private:
    std::vector<std::string> texts_;
    std::vector<const char*> values_;
  };

  const std::string& prepared(const std::string& sql) {
    if (auto found = prepared_.find(sql); found != prepared_.end()) return found->second;
    // Never reused: a statement dropped from the map after a failed segment may exist still.
    std::string name = "resonate_" + std::to_string(++statements_named_);
    if (pipelined_) {
      if (PQsendPrepare(connection_, name.c_str(), sql.c_str(), 0, nullptr) != 1) fail_send(sql);
      in_flight_.push_back(sql);
      preparing_.push_back(sql);
    } else {
      check(ResultHandle(PQprepare(connection_, name.c_str(), sql.c_str(), 0, nullptr), &PQclear), sql);
    }
    return prepared_.emplace(sql, std::move(name)).first->second;
  }

  // Queues one statement of the pipeline.
  void send(const std::string& sql, const std::vector<SqlParam>& params) {
    const std::string& name = prepared(sql);
    Texts texts(params);
    if (PQsendQueryPrepared(connection_, name.c_str(), texts.count(), texts.values(), nullptr, nullptr, 0) != 1) {
      fail_send(sql);
    }
    in_flight_.push_back(sql);
  }

  [[noreturn]] void fail_send(const std::string& sql) {
    throw core::StoreError("postgres: cannot send: " + error_message() + " (in: " + sql.substr(0, 80) + ")");
  }

  // Ends the pipeline's current segment and reads every answer in it: returns one per statement
  // sent, in order (the last ones are the queries'), throws the first failure. After a failure
  // PostgreSQL skips the rest of the segment; the transaction is then failed until a ROLLBACK
  // TO SAVEPOINT, as without a pipeline.
  std::vector<ResultHandle> collect(bool commit_in_flight = false) {
    if (PQpipelineSync(connection_) != 1) throw core::StoreError("postgres: cannot sync the pipeline: " + error_message());
    std::vector<ResultHandle> results;
    results.reserve(in_flight_.size());
    for (std::size_t i = 0; i < in_flight_.size(); ++i) results.emplace_back(nullptr, &PQclear);
    std::string failure;
    bool conflict = false;
    std::size_t command = 0;
    for (;;) {
      PGresult* raw = PQgetResult(connection_);
      if (raw == nullptr) {
        // The end of one command's answers; a broken connection ends everything.
        if (command < in_flight_.size()) {
          ++command;
          continue;
        }
        if (!connected()) break;
        continue;
      }
      ResultHandle result(raw, &PQclear);
      const auto status = PQresultStatus(raw);
      if (status == PGRES_PIPELINE_SYNC) break;
      if (status == PGRES_PIPELINE_ABORTED) continue;
      if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && failure.empty()) {
        std::string message = PQresultErrorMessage(raw);
        while (!message.empty() && message.back() == '\n') message.pop_back();
        const auto& sql = in_flight_[std::min(command, in_flight_.size() - 1)];
        failure = "postgres: " + message + " (in: " + sql.substr(0, 80) + ")";
        conflict = lost_race(raw);
      }
      if (command < results.size()) results[command] = std::move(result);
    }
    in_flight_.clear();
    // A statement prepared in a failed segment may not exist: prepare it again next time.
    if (!failure.empty() || !connected()) {
      for (const auto& sql : preparing_) prepared_.erase(sql);
    }
    preparing_.clear();
    // Before its COMMIT, a transaction whose connection broke did not take effect: running it
    // again on a new connection is safe. With the COMMIT in flight, nobody knows.
    if (!connected()) {
      if (commit_in_flight) throw core::StoreError("postgres: the connection broke at the commit: " + error_message());
      throw core::StoreConflict("postgres: the connection broke before the commit: " + error_message());
    }
    if (conflict) throw core::StoreConflict(failure);
    if (!failure.empty()) throw core::StoreError(failure);
    return results;
  }

  void check(const ResultHandle& result, std::string_view sql) {
    auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
    std::string message = result ? PQresultErrorMessage(result.get()) : error_message();
    while (!message.empty() && message.back() == '\n') message.pop_back();
    fail_statement(result.get(), "postgres: " + message + " (in: " + std::string(sql.substr(0, 80)) + ")");
  }

  std::string error_message() const {
    std::string message = connection_ != nullptr ? PQerrorMessage(connection_) : "out of memory";
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return message;
  }

  std::string conninfo_;
  PGconn* connection_ = nullptr;
  std::unordered_map<std::string, std::string> prepared_;
  std::size_t statements_named_ = 0;
  bool pipelined_ = false;
  std::vector<std::string> in_flight_;  // the statements whose answers are not read yet
  std::vector<std::string> preparing_;  // statements prepared in the pipeline's current segment
};

// Migrations run under a global lock, so that servers starting together migrate once.
const std::string locked_begin = std::string("BEGIN; ") + lock_statement;

class PostgresTransaction final : public SqlTransaction {
 public:
  // BEGIN goes out with the transaction's first statements (one round trip fewer); a
  // connection the server closed meanwhile is opened again first.
  PostgresTransaction(std::mutex& mutex, PostgresSession& session)
      : SqlTransaction(session, RowLocks::for_update), lock_(mutex), session_(session) {
    session_.make_ready();
    session_.enter_pipeline();
    try {
      session_.execute("BEGIN", {});
    } catch (...) {
      session_.abandon_pipeline();
      throw;
    }
  }

  // One statement: a message with the same key is replaced and moves to the back of the queue
  // (a new seq, a new queued_at); a concurrent insert of the key waits instead of colliding.
  void put_message(const OutboxMessage& message) override {
    static const std::string upsert_sql =
        "INSERT INTO outbox (key, address, body, route_group, route_worker) VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (key) DO UPDATE SET address = excluded.address, body = excluded.body, "
        "route_group = excluded.route_group, route_worker = excluded.route_worker, seq = DEFAULT, queued_at = DEFAULT";
    SqlParam group = nullptr;
    SqlParam worker = nullptr;
    const auto address = parse_address(message.address);
    if (address && address->kind == Address::Kind::poll) {
      group = std::string_view(address->poll.group);
      if (address->poll.cast == PollAddress::Cast::uni) worker = std::string_view(address->poll.id);
    }
    writer().execute(upsert_sql, {message.key, message.address, message.body, group, worker});
    // Who can carry it: "group", or "group/process" for a uni address (so that one server, not
    // every one with a member of the group, looks). A name too long for a notification's
    // payload wakes every server ("").
    core::Carrier carrier;
    if (const auto* name = std::get_if<std::string_view>(&group)) carrier.group = *name;
    if (const auto* id = std::get_if<std::string_view>(&worker)) carrier.process = *id;
    auto announced = carrier.name();
    announced_.insert(announced.size() <= max_announced_carrier ? std::move(announced) : std::string());
  }

  // A due entry whose promise (or task) another server holds right now is left to the next
  // tick: the core would next lock that row, while the holder, which locks the promise or task
  // before its timeout entry, may be waiting for the entry this claim locked (a deadlock). The
  // claim keeps the entries whose owner it could lock at once, or that have none.
  std::vector<PromiseTimeout> due_promise_timeouts(Millis now, std::size_t limit) override {
    static const std::string sql = claimable_sql("promises");
    auto due = SqlTransaction::due_promise_timeouts(now, limit);
    keep_claimable(sql, due);
    return due;
  }

  std::vector<TaskTimeout> due_task_timeouts(Millis now, std::size_t limit) override {
    static const std::string sql = claimable_sql("tasks");
    auto due = SqlTransaction::due_task_timeouts(now, limit);
    keep_claimable(sql, due);
    return due;
  }

  // The take goes out with the COMMIT. Every carrier `routes` admits is this server's to serve
  // (the messages past `limit` it takes at its next delivery), so the others are not woken.
  std::vector<OutboxMessage> take_messages_and_commit(const core::MessageRoutes* routes, std::size_t limit) override {
    if (routes == nullptr || routes->max_wait > 0 || limit == 0) {
      return SqlTransaction::take_messages_and_commit(routes, limit);
    }
    std::erase_if(announced_, [routes](const std::string& carrier) {
      return core::Carrier::read(carrier).admitted_by(*routes);
    });
    const RoutedTake take(*routes, limit);
    const auto answer = session_.send_query(RoutedTake::sql, take.params());
    auto results = finish();
    PostgresRows rows(std::move(results[answer]));
    return messages_in_order(rows);
  }

  core::TakenMessages take_messages_for(const core::MessageRoutes& routes, std::size_t limit) override {
    count_write();  // the deletes below
    core::TakenMessages taken;
    if (routes.max_wait > 0) {
      static const std::string expire_sql =
          "WITH gone AS (DELETE FROM outbox WHERE queued_at < (extract(epoch FROM now()) * 1000)::BIGINT - $1 "
          "RETURNING 1) SELECT count(*) FROM gone";
      auto rows = session_.query(expire_sql, {routes.max_wait});
      if (rows->next()) taken.expired = static_cast<std::size_t>(rows->integer(0));
    }
    if (limit == 0) return taken;
    taken.messages = take_routed(session_, routes, limit);
    // Fewer than the limit: nothing `routes` admits is left, so the messages this transaction
    // queued for those carriers were taken here and nobody else need look.
    if (taken.messages.size() < limit) {
      std::erase_if(announced_, [&routes](const std::string& carrier) {
        return core::Carrier::read(carrier).admitted_by(routes);
      });
    }
    return taken;
  }

  // Removes and returns, oldest first, up to `limit` messages that `routes` admits and no other
  // transaction is taking: one statement, atomic on its own.
  static std::vector<OutboxMessage> take_routed(PostgresSession& session, const core::MessageRoutes& routes,
                                                std::size_t limit) {
    const RoutedTake take(routes, limit);
    auto rows = session.query(RoutedTake::sql, take.params());
    return messages_in_order(*rows);
  }

  ~PostgresTransaction() override {
    if (finished_ || !session_.connected()) return;
    try {
      session_.abandon_pipeline();
      session_.run_script("ROLLBACK");
    } catch (const core::StoreError&) {
      // The connection broke; the server rolls back on its own and begin() reconnects.
    }
  }

  void commit() override { finish(); }

 private:
  // The statement that takes routed messages (take_routed), with its parameters.
  struct RoutedTake {
    static inline const std::string sql =
        "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox WHERE route_group IS NULL "
        "OR (route_worker IS NULL AND route_group = ANY($1::TEXT[])) "
        "OR (route_group, route_worker) IN (SELECT * FROM unnest($2::TEXT[], $3::TEXT[])) "
        "ORDER BY seq LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING seq, key, address, body";
    RoutedTake(const core::MessageRoutes& routes, std::size_t limit)
        : groups(text_array(routes.groups)), limit(static_cast<std::int64_t>(limit)) {
      std::vector<std::string_view> worker_groups, worker_ids;
      for (const auto& [group, id] : routes.workers) {
        worker_groups.push_back(group);
        worker_ids.push_back(id);
      }
      uni_groups = text_array(worker_groups);
      uni_ids = text_array(worker_ids);
    }
    std::vector<SqlParam> params() const { return {groups, uni_groups, uni_ids, limit}; }
    std::string groups, uni_groups, uni_ids;
    std::int64_t limit;
  };

  // Commits, with the statements sent since the last round trip: their answers.
  std::vector<ResultHandle> finish() {
    if (finished_) throw core::StoreError("transaction committed twice");
    // One notification per carrier of messages queued, delivered by PostgreSQL at the commit
    // and only if it commits: only the servers that can carry them look at the outbox. Sent
    // with the COMMIT after the pipeline's writes: one round trip, whose answers say whether
    // every statement succeeded.
    if (!announced_.empty()) {
      static const std::string notify_sql = "SELECT pg_notify($1, carrier) FROM unnest($2::TEXT[]) AS carrier";
      session_.execute(notify_sql, {std::string_view(outbox_channel),
                                    text_array(std::vector<std::string>(announced_.begin(), announced_.end()))});
    }
    auto results = session_.commit_pipeline();
    finished_ = true;
    lock_.unlock();
    return results;
  }

  // Of the ids in $1, those whose row in `table` this transaction locked now, or that have no
  // row there.
  static std::string claimable_sql(const std::string& table) {
    return "SELECT c.id FROM unnest($1::TEXT[]) AS c(id) WHERE NOT EXISTS (SELECT 1 FROM " + table +
           " WHERE id = c.id) OR EXISTS (SELECT 1 FROM (SELECT id FROM " + table +
           " WHERE id = c.id FOR UPDATE SKIP LOCKED) AS locked)";
  }

  template <typename Entry>
  void keep_claimable(const std::string& sql, std::vector<Entry>& due) {
    if (due.empty()) return;
    std::vector<std::string> ids;
    for (const auto& entry : due) ids.push_back(entry.id);
    auto rows = session_.query(sql, {text_array(ids)});
    std::set<std::string> claimable;
    while (rows->next()) claimable.insert(rows->text(0));
    std::erase_if(due, [&](const Entry& entry) { return !claimable.contains(entry.id); });
  }

  std::unique_lock<std::mutex> lock_;
  PostgresSession& session_;
  std::set<std::string> announced_;  // who can carry the messages queued (StoreFeed::drain)
};

// A connection of its own that LISTENs on the outbox channel.
class PostgresFeed final : public core::StoreFeed {
 public:
  explicit PostgresFeed(const std::string& conninfo) : connection_(PQconnectdb(conninfo.c_str())) {
    if (PQstatus(connection_) != CONNECTION_OK) fail("cannot connect");
    ResultHandle result(PQexec(connection_, (std::string("LISTEN ") + outbox_channel).c_str()), &PQclear);
    if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK) fail("cannot LISTEN");
  }
  ~PostgresFeed() override { PQfinish(connection_); }
  PostgresFeed(const PostgresFeed&) = delete;
  PostgresFeed& operator=(const PostgresFeed&) = delete;

  int descriptor() override { return PQsocket(connection_); }

  std::vector<std::string> drain() override {
    if (PQconsumeInput(connection_) == 0 || PQstatus(connection_) != CONNECTION_OK) {
      fail("the announcements' connection broke");
    }
    std::vector<std::string> groups;
    while (PGnotify* notice = PQnotifies(connection_)) {
      groups.emplace_back(notice->extra != nullptr ? notice->extra : "");
      PQfreemem(notice);
    }
    return groups;
  }

 private:
  [[noreturn]] void fail(const std::string& what) {
    std::string message = connection_ != nullptr ? PQerrorMessage(connection_) : "out of memory";
    while (!message.empty() && message.back() == '\n') message.pop_back();
    throw core::StoreError("postgres: " + what + ": " + message);
  }

  PGconn* connection_;
};

class PostgresStore final : public core::Store {
 public:
  explicit PostgresStore(const std::string& conninfo, bool migrating = true) : conninfo_(conninfo), session_(conninfo) {
    if (migrating) migrate();
  }

  std::unique_ptr<core::Transaction> begin() override { return std::make_unique<PostgresTransaction>(mutex_, session_); }

  bool shared() const override { return true; }
  std::unique_ptr<core::StoreFeed> feed() override { return std::make_unique<PostgresFeed>(conninfo_); }
  // The schema is this store's: migrated already.
  std::unique_ptr<core::Store> another_connection() override {
    return std::make_unique<PostgresStore>(conninfo_, /*migrating=*/false);
  }

  // A delivery that only takes messages needs no transaction around its DELETE: one round trip
  // instead of three (BEGIN, the statement, COMMIT). Expiry keeps its transaction.
  core::TakenMessages take_messages_for(const core::MessageRoutes& routes, std::size_t limit) override {
    if (routes.max_wait > 0 || limit == 0) return core::Store::take_messages_for(routes, limit);
    std::lock_guard lock(mutex_);
    session_.make_ready();
    return {PostgresTransaction::take_routed(session_, routes, limit), 0};
  }

  bool ready() override {
    std::lock_guard lock(mutex_);
    try {
      if (!session_.connected()) session_.reconnect();
      try {
        session_.run_script("SELECT 1");
      } catch (const core::StoreError&) {
        // The server may have closed an idle connection: one fresh attempt.
        if (session_.connected()) throw;
        session_.reconnect();
        session_.run_script("SELECT 1");
      }
      return true;
    } catch (const core::StoreError&) {
      return false;
    }
  }

 private:
  // Runs under the advisory lock, so servers starting together migrate once.
  void migrate() {
    session_.make_ready();
    try {
      session_.run_script(locked_begin.c_str());
      session_.run_script("CREATE TABLE IF NOT EXISTS resonate_schema (version BIGINT NOT NULL)");
      static const std::string version_sql = "SELECT version FROM resonate_schema";
      std::int64_t version = 0;
      bool recorded = false;
      {
        auto rows = session_.query(version_sql, {});
        if (rows->next()) {
          version = rows->integer(0);
          recorded = true;
        }
      }
      if (version > static_cast<std::int64_t>(migrations.size())) {
        throw core::StoreError("postgres: the database has schema version " + std::to_string(version) +
                         ", newer than this program knows (" + std::to_string(migrations.size()) + ")");
      }
      for (auto next = static_cast<std::size_t>(version); next < migrations.size(); ++next) {
        session_.run_script(migrations[next]);
      }
      auto current = std::to_string(migrations.size());
      session_.run_script((recorded ? "UPDATE resonate_schema SET version = " + current
                                    : "INSERT INTO resonate_schema (version) VALUES (" + current + ")")
                              .c_str());
      session_.run_script("COMMIT");
    } catch (...) {
      if (session_.connected()) session_.run_script("ROLLBACK");
      throw;
    }
  }

  std::string conninfo_;
  std::mutex mutex_;
  PostgresSession session_;
};

}  // namespace

std::unique_ptr<core::Store> make_postgres_store(const std::string& conninfo) {
  return std::make_unique<PostgresStore>(conninfo);
}

}  // namespace resonate::store
