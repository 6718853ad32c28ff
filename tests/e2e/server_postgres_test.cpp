// resonate-server over PostgreSQL with more than one store connection (the default, two): a
// batch of requests that waits on a row lock holds up neither the requests on other records
// nor the server (/metrics included), and answers once the lock is gone; a server that cannot open the second
// connection says so and serves on one.
//
// Runs with the private PostgreSQL cluster (server_postgres_test: fixture store_postgres).
#include <doctest/doctest.h>

#include <libpq-fe.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <string>

#include <boost/json/serialize.hpp>

#include "child_process.hpp"
#include "scratch_directory.hpp"
#include "server_child.hpp"
#include "server_store.hpp"
#include "test_client.hpp"

namespace json = boost::json;
using namespace resonate::test_support;
using namespace std::chrono_literals;

namespace {

json::object resolve_data(std::string_view id) {
  return json::object{{"id", id}, {"state", "resolved"}, {"value", json::object{{"data", "AA=="}}}};
}

// A session of the test's own on the server's database.
class Session {
 public:
  explicit Session(const std::string& conninfo) : connection_(PQconnectdb(conninfo.c_str()), &PQfinish) {
    REQUIRE_MESSAGE(PQstatus(connection_.get()) == CONNECTION_OK, PQerrorMessage(connection_.get()));
  }
  // Runs `sql`; the first column of the first row, or "" when it returns none.
  std::string run(const std::string& sql) {
    std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(connection_.get(), sql.c_str()), &PQclear);
    const auto status = PQresultStatus(result.get());
    REQUIRE_MESSAGE((status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK), PQerrorMessage(connection_.get()));
    return status == PGRES_TUPLES_OK && PQntuples(result.get()) > 0 ? PQgetvalue(result.get(), 0, 0) : "";
  }

 private:
  std::unique_ptr<PGconn, decltype(&PQfinish)> connection_;
};

}  // namespace

TEST_CASE("a batch waiting on a locked row holds up neither other records nor the server") {
  REQUIRE_MESSAGE(servers_use_postgres(), "needs RESONATE_TEST_SERVER_POSTGRES_FILE (the store_postgres fixture)");
  ScratchDirectory directory{"resonate-store-connections"};
  const auto store = fresh_server_store(directory.path());
  ChildProcess server("server", serve_command(RESONATE_SERVER_PROGRAM, 0, store));
  const auto port = static_cast<std::uint16_t>(await_listening(server));
  HttpClient client(port);
  REQUIRE(rpc(client, "promise.create", create_data("locked")).status() == 200);
  REQUIRE(rpc(client, "promise.create", create_data("free")).status() == 200);

  // Declared first, destroyed last: a failing check unwinds through the holder's session first
  // (closed: its lock goes), so that waiting for this request does not hang.
  std::future<RpcResult> settling;
  // Another session holds the row of "locked" until it rolls back.
  Session holder(store);
  holder.run("BEGIN");
  holder.run("SELECT id FROM promises WHERE id = 'locked' FOR UPDATE");

  settling = std::async(std::launch::async, [port] {
    HttpClient waiting(port, 120s);
    return rpc(waiting, "promise.settle", resolve_data("locked"));
  });
  // Until the server's transaction waits for that row.
  Session observer(store);
  while (observer.run("SELECT count(*) FROM pg_locks WHERE NOT granted") == "0") {
    REQUIRE(settling.wait_for(10ms) == std::future_status::timeout);
  }

  // Meanwhile the other connection answers requests on other records (with one connection
  // they would queue behind the waiting batch: the client's 10 s timeout fails the test).
  const auto got = rpc(client, "promise.get", json::object{{"id", "free"}});
  CHECK(got.status() == 200);
  const auto settled_free = rpc(client, "promise.settle", resolve_data("free"));
  CHECK_MESSAGE(settled_free.status() == 200, json::serialize(settled_free.response));
  // /metrics counts on the second connection too, and counts the batches it took over.
  const auto metrics = client.get("/metrics");
  REQUIRE(metrics.status == 200);
  const auto at = metrics.body.find("\nresonate_commit_takeovers_total ");
  REQUIRE(at != std::string::npos);
  CHECK(std::stoi(metrics.body.substr(at + 33)) >= 1);
  CHECK(settling.wait_for(0s) == std::future_status::timeout);

  // The lock goes: the waiting request is answered, and took effect.
  holder.run("ROLLBACK");
  const auto settled = settling.get();
  CHECK_MESSAGE(settled.status() == 200, json::serialize(settled.response));
  const auto locked = rpc(client, "promise.get", json::object{{"id", "locked"}});
  CHECK(text(locked.data().at("promise").at("state")) == "resolved");
}

TEST_CASE("a server that cannot open its second store connection says so and serves on one") {
  REQUIRE_MESSAGE(servers_use_postgres(), "needs RESONATE_TEST_SERVER_POSTGRES_FILE (the store_postgres fixture)");
  ScratchDirectory directory{"resonate-store-connections-limited"};
  const auto store = fresh_server_store(directory.path());
  // A role allowed one connection: the server's first. (A later keyword of a conninfo wins.)
  const std::string role = "limited_" + std::to_string(::getpid());
  Session admin(store);
  admin.run("DROP ROLE IF EXISTS " + role);
  admin.run("CREATE ROLE " + role + " LOGIN CONNECTION LIMIT 1");
  admin.run("GRANT ALL ON SCHEMA public TO " + role);
  ChildProcess server("server", serve_command(RESONATE_SERVER_PROGRAM, 0, store + " user=" + role));
  const auto port = static_cast<std::uint16_t>(await_listening(server));
  CHECK_MESSAGE(server.has_printed([](std::string_view line) {
    return line.find("cannot open another connection") != std::string_view::npos &&
           line.find("connections=1") != std::string_view::npos;
  }), server.transcript());
  CHECK(rpc(port, "promise.create", create_data("served")).status() == 200);
  CHECK(text(rpc(port, "promise.get", json::object{{"id", "served"}}).data().at("promise").at("state")) == "pending");
}
