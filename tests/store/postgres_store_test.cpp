// What only the PostgreSQL store promises: it survives losing its connection, and its outbox
// is shared by replicas (each takes what its streams can carry; commits are announced).
#include <doctest/doctest.h>

#include <poll.h>

#include <libpq-fe.h>

#include <algorithm>
#include <string>
#include <vector>

#include "store_backends.hpp"

using namespace resonate::core;
using namespace resonate::store;
using namespace resonate::wire;

namespace {

// Ends every other session on the test database, as a server restart would.
void terminate_other_sessions(const std::string& conninfo) {
  PGconn* admin = PQconnectdb(conninfo.c_str());
  REQUIRE(PQstatus(admin) == CONNECTION_OK);
  PGresult* result = PQexec(admin,
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()");
  CHECK(PQresultStatus(result) == PGRES_TUPLES_OK);
  CHECK(PQntuples(result) >= 1);
  PQclear(result);
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

// Whether the feed's socket turns readable within `timeout_ms` and then holds announcements.
std::size_t announcements_within(StoreFeed& feed, int timeout_ms) {
  pollfd descriptor{feed.descriptor(), POLLIN, 0};
  if (::poll(&descriptor, 1, timeout_ms) <= 0) return feed.drain();
  return feed.drain();
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

TEST_CASE("Postgres: a commit that queued messages is announced on every feed") {
  resonate::test_support::PostgresBackend backend;
  auto store = resonate::test_support::open_or_skip(backend);
  if (!store) return;
  auto feed = store->feed();
  REQUIRE(feed != nullptr);
  CHECK(announcements_within(*feed, 0) == 0);

  put_messages(*store, {{"k", "poll://any@g", "{}"}});
  CHECK(announcements_within(*feed, 10000) >= 1);

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
  put_messages(*store, {{"marker", "poll://any@g", "{}"}});
  // Exactly the marker's announcement arrives (PostgreSQL delivers in commit order).
  CHECK(announcements_within(*feed, 10000) == 1);
}

TEST_CASE("the PostgreSQL store reconnects after its connection was closed") {
  resonate::test_support::PostgresBackend backend;
  auto store = resonate::test_support::open_or_skip(backend);
  if (!store) return;
  Promise promise;
  promise.id = "before";
  {
    auto t = store->begin();
    t->put_promise(promise);
    t->commit();
  }

  terminate_other_sessions(*backend.conninfo);
  CHECK(store->ready());
  terminate_other_sessions(*backend.conninfo);
  auto t = store->begin();
  CHECK(t->get_promise("before") == promise);
  t->commit();
}

TEST_CASE("a PostgreSQL store on an unreachable database is a StoreError") {
  // A unix socket directory without a server: nothing leaves the machine.
  CHECK_THROWS_AS(make_postgres_store("host=/nonexistent-resonate-socket-dir dbname=x connect_timeout=2"), StoreError);
}
