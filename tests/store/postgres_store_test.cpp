// What only the PostgreSQL store promises: it survives losing its connection, and its outbox
// is shared by replicas (each takes what its streams can carry; commits are announced).
#include <doctest/doctest.h>

#include <poll.h>

#include <libpq-fe.h>

#include <algorithm>
#include <string>
#include <vector>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include <boost/json/parse.hpp>

#include "core/core.hpp"
#include "store_backends.hpp"

using namespace resonate::core;
using namespace resonate::store;
using namespace resonate::wire;

namespace {

// Ends every other session on the test database, as a server restart would, and waits until
// they are gone (their clients have then been told).
void terminate_other_sessions(const std::string& conninfo) {
  PGconn* admin = PQconnectdb(conninfo.c_str());
  REQUIRE(PQstatus(admin) == CONNECTION_OK);
  const char* others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()";
  PGresult* result = PQexec(admin, (std::string("SELECT pg_terminate_backend(pid) ") + others).c_str());
  CHECK(PQresultStatus(result) == PGRES_TUPLES_OK);
  CHECK(PQntuples(result) >= 1);
  PQclear(result);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  for (bool gone = false; !gone && std::chrono::steady_clock::now() < give_up;) {
    result = PQexec(admin, (std::string("SELECT count(*) ") + others).c_str());
    REQUIRE(PQresultStatus(result) == PGRES_TUPLES_OK);
    gone = std::string(PQgetvalue(result, 0, 0)) == "0";
    PQclear(result);
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  PQfinish(admin);
}

// Runs one statement on its own connection.
void run_sql(const std::string& conninfo, const char* sql) {
  PGconn* admin = PQconnectdb(conninfo.c_str());
  REQUIRE(PQstatus(admin) == CONNECTION_OK);
  PGresult* result = PQexec(admin, sql);
  CHECK(PQresultStatus(result) == PGRES_COMMAND_OK);
  PQclear(result);
  PQfinish(admin);
}

void put_messages(Store& store, const std::vector<OutboxMessage>& messages) {
  auto t = store.begin();
  for (const auto& message : messages) t->put_message(message);
  t->commit();
}

std::vector<std::string> keys_taken(Store& store, const MessageRoutes& routes, std::size_t* expired = nullptr) {
  auto t = store.begin();
  auto taken = t->take_messages_for(routes, 100);
  t->commit();
  if (expired != nullptr) *expired = taken.expired;
  std::vector<std::string> keys;
  for (const auto& message : taken.messages) keys.push_back(message.key);
  return keys;
}

// The announcements that arrive on the feed within `timeout_ms` (waiting for the first).
std::vector<std::string> announcements_within(StoreFeed& feed, int timeout_ms) {
  pollfd descriptor{feed.descriptor(), POLLIN, 0};
  ::poll(&descriptor, 1, timeout_ms);
  auto groups = feed.drain();
  std::sort(groups.begin(), groups.end());
  return groups;
}

// The routes of a server whose one stream is process p1 of group g.
MessageRoutes member_of_g() {
  MessageRoutes routes;
  routes.groups = {"g"};
  routes.workers = {{"g", "p1"}};
  return routes;
}

// Queues, for the routes of member_of_g(): k1 (any@g), k2 (uni@g/p1), k3 (uni@g/p2, a member
// of g elsewhere), k4 (any@h).
void queue_for_g_and_h(Transaction& t) {
  t.put_message({"k1", "poll://any@g", "{}"});
  t.put_message({"k2", "poll://uni@g/p1", "{}"});
  t.put_message({"k3", "poll://uni@g/p2", "{}"});
  t.put_message({"k4", "poll://any@h", "{}"});
}

// Commits a message for the carrier "marker", then returns, sorted, every announcement heard up
// to the marker's (announcements come in commit order).
std::vector<std::string> announced_before_a_marker(Store& store, StoreFeed& feed) {
  put_messages(store, {{"marker", "poll://any@marker", "{}"}});
  std::vector<std::string> heard;
  while (heard.empty() || heard.back() != "marker") {
    const auto more = announcements_within(feed, 10000);
    REQUIRE_FALSE(more.empty());
    heard.insert(heard.end(), more.begin(), more.end());
  }
  std::sort(heard.begin(), heard.end());
  return heard;
}

}  // namespace

TEST_CASE("Postgres: a replica takes only the outbox messages its streams can carry") {
  resonate::test_support::PostgresBackend backend;
  auto store = resonate::test_support::open_or_skip(backend);
  if (!store) return;
  CHECK(store->shared());
  put_messages(*store, {{"any-g1", "poll://any@g1", "{}"},
                        {"any-g1-prefers-p9", "poll://any@g1/p9", "{}"},
                        {"uni-g1-p1", "poll://uni@g1/p1", "{}"},
                        {"uni-g1-p2", "poll://uni@g1/p2", "{}"},
                        {"any-g2", "poll://any@g2", "{}"},
                        {"push", "http://127.0.0.1:9/hook", "{}"}});

  // Members g1/p1 here: any@g1 (also the one preferring another worker), uni@g1/p1, and the push.
  MessageRoutes here;
  here.groups = {"g1"};
  here.workers = {{"g1", "p1"}};
  CHECK(keys_taken(*store, here) == std::vector<std::string>{"any-g1", "any-g1-prefers-p9", "uni-g1-p1", "push"});
  // What was left waits for the replicas whose members can take it.
  MessageRoutes elsewhere;
  elsewhere.groups = {"g1", "g2"};
  elsewhere.workers = {{"g1", "p2"}, {"g2", "p1"}};
  CHECK(keys_taken(*store, elsewhere) == std::vector<std::string>{"uni-g1-p2", "any-g2"});
  CHECK(keys_taken(*store, elsewhere).empty());

  // The same take without a transaction around it (a delivery that does nothing else).
  put_messages(*store, {{"later-g2", "poll://any@g2", "{}"}, {"later-g1", "poll://any@g1", "{}"}});
  auto taken = store->take_messages_for(here, 100);
  REQUIRE(taken.messages.size() == 1);
  CHECK(taken.messages[0].key == "later-g1");
  CHECK(store->take_messages_for(here, 100).messages.empty());
  CHECK(keys_taken(*store, elsewhere) == std::vector<std::string>{"later-g2"});
}

TEST_CASE("Postgres: outbox messages nobody took expire after the routes' max_wait") {
  resonate::test_support::PostgresBackend backend;
  auto store = resonate::test_support::open_or_skip(backend);
  if (!store) return;
  put_messages(*store, {{"old", "poll://any@away", "{}"}, {"new", "poll://any@away", "{}"}});
  // "old" has waited ten minutes (as far as the database's clock can tell).
  run_sql(*backend.conninfo, "UPDATE outbox SET queued_at = queued_at - 600000 WHERE key = 'old'");
  MessageRoutes routes;
  routes.max_wait = 300000;
  std::size_t expired = 0;
  CHECK(keys_taken(*store, routes, &expired).empty());
  CHECK(expired == 1);
  routes.groups = {"away"};
  CHECK(keys_taken(*store, routes, &expired) == std::vector<std::string>{"new"});
  CHECK(expired == 0);
}

TEST_CASE("Postgres: a commit that queued messages is announced on every feed, once per carrier") {
  resonate::test_support::PostgresBackend backend;
  auto store = resonate::test_support::open_or_skip(backend);
  if (!store) return;
  auto feed = store->feed();
  REQUIRE(feed != nullptr);
  CHECK(announcements_within(*feed, 0).empty());

  // Who can carry each message: its group, the group and process of a uni address, or "" for
  // a push any server may send; each once.
  put_messages(*store, {{"k1", "poll://any@g", "{}"},
                        {"k2", "poll://uni@g/p1", "{}"},
                        {"k3", "poll://any@h/p2", "{}"},
                        {"k4", "http://127.0.0.1:9/hook", "{}"},
                        {"k5", "poll://uni@g/p1", "{}"}});
  CHECK(announcements_within(*feed, 10000) == std::vector<std::string>{"", "g", "g/p1", "h"});

  // A transaction that queued nothing, or rolled back, says nothing.
  {
    auto t = store->begin();
    t->put_promise(Promise{.id = "quiet"});
    t->commit();
  }
  {
    auto t = store->begin();
    t->put_message({"rolled-back", "poll://any@g", "{}"});
  }
  put_messages(*store, {{"marker", "poll://any@marker", "{}"}});
  // Exactly the marker's announcement arrives (PostgreSQL delivers in commit order).
  CHECK(announcements_within(*feed, 10000) == std::vector<std::string>{"marker"});
}

TEST_CASE("Postgres: messages a transaction queued and took itself are not announced to the others") {
  resonate::test_support::PostgresBackend backend;
  auto store = resonate::test_support::open_or_skip(backend);
  if (!store) return;
  auto feed = store->feed();
  REQUIRE(feed != nullptr);
  const auto here = member_of_g();
  {
    auto t = store->begin();
    queue_for_g_and_h(*t);
    CHECK(t->take_messages_for(here, 10).messages.size() == 2);
    t->commit();
  }
  // Only what is left for other servers.
  CHECK(announced_before_a_marker(*store, *feed) == std::vector<std::string>{"g/p2", "h", "marker"});
}

TEST_CASE("Postgres: a take sent with the commit takes what the routes admit and announces only the rest") {
  resonate::test_support::PostgresBackend backend;
  auto store = resonate::test_support::open_or_skip(backend);
  if (!store) return;
  auto feed = store->feed();
  REQUIRE(feed != nullptr);
  const auto here = member_of_g();
  put_messages(*store, {{"waiting", "poll://any@g", "{}"}});  // queued earlier, taken first
  CHECK(announcements_within(*feed, 10000) == std::vector<std::string>{"g"});
  {
    auto t = store->begin();
    queue_for_g_and_h(*t);
    // More wait than the limit: the rest is this server's to take, nobody is woken for it.
    const auto taken = t->take_messages_and_commit(&here, 2);
    std::vector<std::string> keys;
    for (const auto& message : taken) keys.push_back(message.key);
    CHECK(keys == std::vector<std::string>{"waiting", "k1"});
  }
  CHECK(announced_before_a_marker(*store, *feed) == std::vector<std::string>{"g/p2", "h", "marker"});
  auto t = store->begin();
  CHECK(t->take_messages_for(here, 10).messages.size() == 1);  // k2, left for this server
}

TEST_CASE("the PostgreSQL store reconnects after its connection was closed") {
  resonate::test_support::PostgresBackend backend;
  auto store = resonate::test_support::open_or_skip(backend);
  if (!store) return;
  Promise promise;
  promise.id = "before";
  promise.timeout_at = 4102444800000;
  {
    auto t = store->begin();
    t->put_promise(promise);
    t->commit();
  }

  terminate_other_sessions(*backend.conninfo);
  CHECK(store->ready());
  terminate_other_sessions(*backend.conninfo);
  // A transaction begins without a round trip: it reconnects at once when the server's goodbye
  // has arrived, else its first statement finds the connection closed and fails as a
  // StoreConflict (nothing of it happened), which the core runs again on a new connection.
  Core core(*store);
  const std::string_view get = R"({"kind":"promise.get","head":{"corrId":"c","version":"2026-04-01"},"data":{"id":"before"}})";
  const auto reply = core.apply(1, get);
  CHECK(reply.status == 200);
  CHECK(core.conflicts() <= 1);
  auto t = store->begin();
  CHECK(t->get_promise("before") == promise);
  t->commit();
}

TEST_CASE("Postgres: a damaged row a batch reads ahead fails only the request that reads it") {
  resonate::test_support::PostgresBackend backend;
  auto store = resonate::test_support::open_or_skip(backend);
  if (!store) return;
  {
    auto t = store->begin();
    t->put_promise(Promise{.id = "good", .timeout_at = 10});
    t->put_promise(Promise{.id = "bad", .timeout_at = 10});
    t->commit();
  }
  run_sql(*backend.conninfo, "UPDATE promises SET state = 'bogus' WHERE id = 'bad'");
  Core core(*store);
  auto get = [](const std::string& id) {
    return R"({"kind":"promise.get","head":{"corrId":")" + id + R"(","version":"2026-04-01"},"data":{"id":")" + id +
           R"("}})";
  };
  const std::vector<std::string> bodies = {get("good"), get("bad"), get("good")};
  std::vector<BatchedRequest> batch;
  for (const auto& body : bodies) batch.push_back({body});
  const auto replies = core.apply_batch(1, batch);
  REQUIRE(replies.size() == 3);
  CHECK(replies[0].status == 200);
  CHECK(replies[1].status == 500);
  CHECK(replies[1].body.find("damaged row") != std::string::npos);
  CHECK(replies[2].status == 200);
}

TEST_CASE("a PostgreSQL store on an unreachable database is a StoreError") {
  // A unix socket directory without a server: nothing leaves the machine.
  CHECK_THROWS_AS(make_postgres_store("host=/nonexistent-resonate-socket-dir dbname=x connect_timeout=2"), StoreError);
}

TEST_CASE("Postgres: a connection lost in the middle of a transaction fails its commit, and the next one reconnects") {
  resonate::test_support::PostgresBackend backend;
  auto store = resonate::test_support::open_or_skip(backend);
  if (!store) return;
  {
    auto t = store->begin();
    t->put_promise(Promise{.id = "lost"});  // sent without waiting (the pipeline)
    terminate_other_sessions(*backend.conninfo);
    CHECK_THROWS_AS(t->commit(), StoreError);
  }
  auto t = store->begin();
  CHECK_FALSE(t->get_promise("lost").has_value());
  t->put_promise(Promise{.id = "kept"});
  t->commit();
  auto check = store->begin();
  CHECK(check->get_promise("kept").has_value());
  check->commit();
}

TEST_CASE("Postgres: a write that fails in a batch fails the whole batch, never only a later request") {
  resonate::test_support::PostgresBackend backend;
  auto store = resonate::test_support::open_or_skip(backend);
  if (!store) return;
  {
    auto t = store->begin();
    t->put_promise(Promise{.id = "first"});

    // Not UTF-8: PostgreSQL refuses the row, but the write is pipelined: nothing fails yet.
    t->savepoint();
    t->put_promise(Promise{.id = std::string("bad-\xff")});
    t->release_savepoint();

    // The failure surfaces in the next request, as the core runs one: perform (a read here),
    // release; on a failure, roll back to its savepoint. That savepoint was never made (the
    // transaction had failed), so the rollback cannot undo the writes of the requests before.
    t->savepoint();
    CHECK_THROWS_AS(t->get_promise("not-read-before"), StoreError);
    t->rollback_to_savepoint();
    CHECK_THROWS_AS(t->commit(), StoreError);
  }

  auto check = store->begin();
  CHECK_FALSE(check->get_promise("first").has_value());
  check->commit();
}

TEST_CASE("Postgres: a transaction with a failed statement never passes for committed") {
  resonate::test_support::PostgresBackend backend;
  auto store = resonate::test_support::open_or_skip(backend);
  if (!store) return;
  {
    auto t = store->begin();
    t->put_promise(Promise{.id = "with-bad-neighbour"});
    t->put_promise(Promise{.id = std::string("bad-\xff")});
    CHECK_THROWS_AS(t->commit(), StoreError);
  }
  auto check = store->begin();
  CHECK_FALSE(check->get_promise("with-bad-neighbour").has_value());
  check->commit();
}

TEST_CASE("Postgres: two servers' batches on the same promises, at once: each request answers as the protocol says") {
  resonate::test_support::PostgresBackend backend;
  auto first_store = resonate::test_support::open_or_skip(backend);
  if (!first_store) return;
  auto second_store = backend.open_again();
  constexpr std::int64_t now = 1700000000000;
  auto create = [](const std::string& id) {
    return std::string(R"({"kind":"promise.create","head":{"corrId":"c","version":"2026-04-01"},"data":{"id":")") + id +
           R"(","timeoutAt":)" + std::to_string(now + 600000) + R"(,"tags":{"resonate:target":"poll://any@workers"}}})";
  };
  auto settle = [](const std::string& id) {
    return std::string(R"({"kind":"promise.settle","head":{"corrId":"c","version":"2026-04-01"},"data":{"id":")") + id +
           R"(","state":"resolved","value":{}}})";
  };
  // Each server creates the same shared promises, its own ones, and settles the shared ones:
  // a create or settle that finds the other's write answers as the protocol says (200, or
  // 409 for a settle the other did first), never 500.
  constexpr int rounds = 25;
  auto run = [&](Store& store, const std::string& name, std::vector<int>& statuses) {
    Core core(store);
    for (int k = 0; k < rounds; ++k) {
      const std::vector<std::string> bodies = {create("shared-" + std::to_string(k)),
                                               create(name + "-" + std::to_string(k)),
                                               settle("shared-" + std::to_string(k))};
      std::vector<BatchedRequest> batch;
      for (const auto& body : bodies) batch.push_back({body});
      for (const auto& reply : core.apply_batch(now, batch)) statuses.push_back(reply.status);
    }
  };
  std::vector<int> first_statuses, second_statuses;
  std::thread a([&] { run(*first_store, "first", first_statuses); });
  std::thread b([&] { run(*second_store, "second", second_statuses); });
  a.join();
  b.join();
  for (const auto& statuses : {first_statuses, second_statuses}) {
    REQUIRE(statuses.size() == 3 * rounds);
    for (std::size_t i = 0; i < statuses.size(); ++i) {
      INFO("request " << i);
      if (i % 3 == 2) {
        CHECK((statuses[i] == 200 || statuses[i] == 409));
      } else {
        CHECK(statuses[i] == 200);
      }
    }
  }
  auto t = first_store->begin();
  for (int k = 0; k < rounds; ++k) {
    CHECK(t->get_promise("shared-" + std::to_string(k))->state == PromiseState::resolved);
    CHECK(t->get_promise("first-" + std::to_string(k)).has_value());
    CHECK(t->get_promise("second-" + std::to_string(k)).has_value());
  }
  t->commit();
}

// --- row-level concurrency between servers ----------------------------------------------

namespace {

// Waits until some session of the test database waits for a lock another one holds (the
// event these tests order their steps by). Gives up after a minute.
void wait_for_lock_waiter(const std::string& conninfo) {
  PGconn* admin = PQconnectdb(conninfo.c_str());
  REQUIRE(PQstatus(admin) == CONNECTION_OK);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  bool waiting = false;
  while (!waiting && std::chrono::steady_clock::now() < give_up) {
    PGresult* result = PQexec(admin, "SELECT count(*) FROM pg_locks WHERE NOT granted");
    REQUIRE(PQresultStatus(result) == PGRES_TUPLES_OK);
    waiting = std::string(PQgetvalue(result, 0, 0)) != "0";
    PQclear(result);
    if (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  PQfinish(admin);
  REQUIRE(waiting);
}

// The stores of two servers sharing the test database (cleared first); none without one.
struct TwoServers {
  resonate::test_support::PostgresBackend backend;
  std::unique_ptr<Store> first = resonate::test_support::open_or_skip(backend);
  std::unique_ptr<Store> second = first ? backend.open_again() : nullptr;
};

Promise pending_promise(const std::string& id, const std::string& param) {
  Promise promise;
  promise.id = id;
  promise.state = PromiseState::pending;
  promise.param.data = param;
  promise.timeout_at = 4102444800000;
  promise.created_at = 1;
  return promise;
}

void put_promise(Store& store, const Promise& promise) {
  auto t = store.begin();
  t->put_promise(promise);
  t->commit();
}

}  // namespace

TEST_CASE("Postgres: a promise one server's transaction read is locked: another's read waits for the commit and sees its write") {
  TwoServers servers;
  if (!servers.first) return;
  auto& backend = servers.backend;
  auto& first = servers.first;
  auto& second = servers.second;
  put_promise(*first, pending_promise("p", "before"));

  auto holder = first->begin();
  auto read = holder->get_promise("p");
  REQUIRE(read);
  std::optional<Promise> seen_by_second;
  std::thread other([&] {
    auto t = second->begin();
    seen_by_second = t->get_promise("p");
    t->commit();
  });
  wait_for_lock_waiter(*backend.conninfo);
  read->state = PromiseState::resolved;
  read->settled_at = 2;
  holder->put_promise(*read);
  holder->commit();
  other.join();
  REQUIRE(seen_by_second);
  CHECK(seen_by_second->state == PromiseState::resolved);
}

TEST_CASE("Postgres: two servers creating one promise at once: the later commit is a StoreConflict, never an overwrite") {
  TwoServers servers;
  if (!servers.first) return;
  auto& backend = servers.backend;
  auto& first = servers.first;
  auto& second = servers.second;

  auto winner = first->begin();
  CHECK_FALSE(winner->get_promise("p").has_value());
  winner->put_promise(pending_promise("p", "winner"));
  winner->get_task("p");  // a read sends the pipelined insert: the row now exists, uncommitted
  bool conflict = false;
  std::thread loser([&] {
    auto t = second->begin();
    CHECK_FALSE(t->get_promise("p").has_value());  // the winner's row is not committed yet
    t->put_promise(pending_promise("p", "loser"));
    try {
      t->commit();  // the insert waits for the winner's commit, then fails
    } catch (const StoreConflict&) {
      conflict = true;
    }
  });
  wait_for_lock_waiter(*backend.conninfo);
  winner->commit();
  loser.join();
  CHECK(conflict);
  auto t = first->begin();
  CHECK(t->get_promise("p")->param.data == "winner");
  t->commit();
}

TEST_CASE("Postgres: a due timeout is claimed by one server; one renewed before the claim is not due") {
  TwoServers servers;
  if (!servers.first) return;
  auto& first = servers.first;
  auto& second = servers.second;
  {
    auto t = first->begin();
    t->put_task(Task{.id = "t", .state = TaskState::acquired, .version = 1, .ttl = 1000, .pid = "w"});
    t->put_task_timeout({"t", TaskTimeoutType::lease, 100});
    t->put_promise(pending_promise("p", "x"));
    t->put_promise_timeout({"p", 100});
    t->commit();
  }
  // A server holding the task and the promise (renewing the lease, settling the promise):
  // another server's claim skips them at once instead of waiting.
  auto holder = first->begin();
  REQUIRE(holder->get_task("t"));
  REQUIRE(holder->get_promise("p"));
  {
    auto t = second->begin();
    CHECK(t->due_task_timeouts(200, 10).empty());
    CHECK(t->due_promise_timeouts(200, 10).empty());
    t->commit();
  }
  holder->put_task_timeout({"t", TaskTimeoutType::lease, 1100});
  holder->delete_promise_timeout("p");
  holder->commit();
  {
    auto t = second->begin();
    CHECK(t->due_task_timeouts(200, 10).empty());
    CHECK(t->due_promise_timeouts(200, 10).empty());
    const auto due = t->due_task_timeouts(1100, 10);
    REQUIRE(due.size() == 1);
    CHECK(due[0].timeout == 1100);
    // Claimed: a third look, by the first server, skips it while this transaction lasts.
    auto third = first->begin();
    CHECK(third->due_task_timeouts(1100, 10).empty());
    third->commit();
    t->commit();
  }
}

TEST_CASE("Postgres: a promise.create that loses the race to another server runs again and answers the winner's promise") {
  TwoServers servers;
  if (!servers.first) return;
  auto& backend = servers.backend;
  auto& first = servers.first;
  auto& second = servers.second;
  constexpr std::int64_t now = 1700000000000;

  auto winner = first->begin();
  CHECK_FALSE(winner->get_promise("p").has_value());
  auto created = pending_promise("p", "winner");
  created.created_at = now;
  winner->put_promise(created);
  winner->get_task("p");  // a read sends the pipelined insert
  Core core(*second);
  const std::string_view create = R"({"kind":"promise.create","head":{"corrId":"c","version":"2026-04-01"},)"
                                   R"("data":{"id":"p","timeoutAt":4102444800000,"param":{"data":"loser"}}})";
  Reply reply;
  std::thread loser([&] { reply = core.apply(now, create); });
  wait_for_lock_waiter(*backend.conninfo);
  winner->commit();
  loser.join();
  CHECK(reply.status == 200);
  const auto answer = boost::json::parse(reply.body);
  CHECK(answer.at("data").at("promise").at("param").at("data") == "winner");
  CHECK(core.conflicts() == 1);
}

TEST_CASE("Postgres: a deadlock between two servers' transactions fails one of them as a StoreConflict") {
  TwoServers servers;
  if (!servers.first) return;
  auto& backend = servers.backend;
  auto& first = servers.first;
  auto& second = servers.second;
  put_promise(*first, pending_promise("a", "a"));
  put_promise(*first, pending_promise("b", "b"));

  auto one = first->begin();
  auto two = second->begin();
  REQUIRE(one->get_promise("a"));
  REQUIRE(two->get_promise("b"));
  std::atomic<int> conflicts = 0;
  std::thread waiter([&] {
    try {
      one->get_promise("b");  // waits for `two`
      one->commit();
    } catch (const StoreConflict&) {
      ++conflicts;
      one.reset();
    }
  });
  wait_for_lock_waiter(*backend.conninfo);
  try {
    two->get_promise("a");  // closes the cycle: PostgreSQL fails one of the two
    two->commit();
  } catch (const StoreConflict&) {
    ++conflicts;
    two.reset();  // the rollback lets the other go on
  }
  waiter.join();
  CHECK(conflicts == 1);
}
