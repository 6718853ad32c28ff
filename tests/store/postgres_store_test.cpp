// What only the PostgreSQL store promises: it survives losing its connection.
#include <doctest/doctest.h>

#include <libpq-fe.h>

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

}  // namespace

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
