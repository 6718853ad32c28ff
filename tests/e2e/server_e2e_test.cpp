// resonate-server as a separate process over a real store: durability across kill -9, lease
// expiry and re-dispatch to another worker, work waiting for a worker, graceful shutdown and
// the command line's exit codes.
#include <doctest/doctest.h>

#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include <boost/json/serialize.hpp>

#include "child_process.hpp"
#include "scratch_directory.hpp"
#include "server_child.hpp"
#include "test_client.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace resonate::test_support;
using namespace std::chrono_literals;

namespace {

const fs::path server_program = RESONATE_SERVER_PROGRAM;

std::string random_suffix() {
  std::random_device device;
  return std::to_string(device()) + std::to_string(device());
}

auto execute_for(std::string task_id, std::int64_t version) {
  return [task_id, version](const json::object& message) {
    return text(message.at("kind")) == "execute" && text(message.at("data").at("task").at("id")) == task_id &&
           number(message.at("data").at("task").at("version")) == version;
  };
}

// Acknowledged writes survive kill -9: create and settle, kill the server without warning,
// restart it on the same store and read everything back.
void check_durability(const std::string& store) {
  const auto prefix = "durable-" + random_suffix() + "-";
  constexpr int count = 20;
  {
    ChildProcess server("server", serve_command(server_program.string(), 0, store));
    const auto port = static_cast<std::uint16_t>(await_listening(server));
    HttpClient client(port);
    for (int i = 0; i < count; ++i) {
      REQUIRE(rpc(client, "promise.create", create_data(prefix + std::to_string(i))).status() == 200);
    }
    const auto settled = rpc(client, "promise.settle",
                             json::object{{"id", prefix + "0"}, {"state", "resolved"}, {"value", json::object{{"data", "AA=="}}}});
    REQUIRE_MESSAGE(settled.status() == 200, json::serialize(settled.response));
    server.signal(SIGKILL);
    REQUIRE(server.wait_for_exit(10s) == 128 + SIGKILL);
  }
  ChildProcess restarted("server", serve_command(server_program.string(), 0, store));
  const auto port = static_cast<std::uint16_t>(await_listening(restarted));
  HttpClient client(port);
  for (int i = 0; i < count; ++i) {
    const auto got = rpc(client, "promise.get", json::object{{"id", prefix + std::to_string(i)}});
    CAPTURE(i);
    REQUIRE(got.status() == 200);
    CHECK(text(got.data().at("promise").at("state")) == (i == 0 ? "resolved" : "pending"));
  }
  const auto first = rpc(client, "promise.get", json::object{{"id", prefix + "0"}});
  CHECK(text(first.data().at("promise").at("value").at("data")) == "AA==");
}

}  // namespace

TEST_CASE("kill -9 loses no acknowledged write (SQLite)") {
  const ScratchDirectory directory("resonate-e2e");
  check_durability((directory.path() / "resonate.db").string());
}

TEST_CASE("kill -9 loses no acknowledged write (PostgreSQL, when RESONATE_TEST_POSTGRES is set)") {
  const char* conninfo = std::getenv("RESONATE_TEST_POSTGRES");
  if (conninfo == nullptr || *conninfo == '\0') {
    MESSAGE("RESONATE_TEST_POSTGRES is not set: PostgreSQL durability not checked");
    return;
  }
  check_durability(conninfo);
}

TEST_CASE("an expired lease is re-dispatched to another worker, who acquires the next version") {
  ServerChild server(server_program.string());
  const auto port = static_cast<std::uint16_t>(server.port());

  SseClient worker_b(port, "workers", "B");
  REQUIRE(worker_b.status() == 200);
  REQUIRE(rpc(port, "promise.create", create_data("leased", "poll://any@workers")).status() == 200);
  REQUIRE(worker_b.next_message(5s, execute_for("leased", 0)).has_value());

  // Worker A (HTTP only) takes the task with a short lease and never heartbeats.
  const auto acquired_by_a =
      rpc(port, "task.acquire", json::object{{"id", "leased"}, {"version", 0}, {"pid", "A"}, {"ttl", 500}});
  REQUIRE(acquired_by_a.status() == 200);
  REQUIRE(number(acquired_by_a.data().at("task").at("version")) == 1);

  // The server's ticker expires the lease and sends execute at version 1 to the group.
  const auto redispatched = worker_b.next_message(10s, execute_for("leased", 1));
  REQUIRE_MESSAGE(redispatched.has_value(), server.transcript());
  const auto acquired_by_b =
      rpc(port, "task.acquire", json::object{{"id", "leased"}, {"version", 1}, {"pid", "B"}, {"ttl", 60000}});
  CHECK(acquired_by_b.status() == 200);
  CHECK(number(acquired_by_b.data().at("task").at("version")) == 2);
  // A's lease is gone: its stale release is refused.
  CHECK(rpc(port, "task.release", json::object{{"id", "leased"}, {"version", 1}}).status() == 409);
}

TEST_CASE("with no worker connected a task waits, and is delivered when a worker connects") {
  // The default 30 s retry interval: the worker below must get the task well before a retry.
  ServerChild server(server_program.string(), {"--log-level", "debug"});
  const auto port = static_cast<std::uint16_t>(server.port());

  REQUIRE(rpc(port, "promise.create", create_data("waiting", "poll://any@late")).status() == 200);
  // Nobody is connected: the execute is parked (the debug log says so).
  const auto parked = server.process().wait_for_line(
      [](std::string_view line) {
        return line.find("msg=\"message parked: no connection\" key=execute:waiting") != std::string_view::npos;
      },
      5s);
  REQUIRE_MESSAGE(parked.has_value(), server.transcript());

  SseClient worker(port, "late", "W");
  REQUIRE(worker.status() == 200);
  const auto execute = worker.next_message(10s, execute_for("waiting", 0));
  REQUIRE_MESSAGE(execute.has_value(), server.transcript());
  CHECK(text(execute->at("head").at("serverUrl")) == "http://127.0.0.1:" + std::to_string(port));
  CHECK(rpc(port, "task.acquire", json::object{{"id", "waiting"}, {"version", 0}, {"pid", "W"}, {"ttl", 60000}})
            .status() == 200);
}

TEST_CASE("SIGTERM stops the server gracefully with exit code 0, streams closed") {
  ServerChild server(server_program.string());
  const auto port = static_cast<std::uint16_t>(server.port());
  SseClient worker(port, "g", "w");
  REQUIRE(worker.status() == 200);
  HttpClient idle(port);
  REQUIRE(idle.get("/health").status == 200);

  server.process().signal(SIGTERM);
  CHECK(server.process().wait_for_exit(10s) == 0);
  CHECK(server.process().wait_for_line([](std::string_view line) { return line.find("msg=\"stopped\"") != std::string_view::npos; },
                             1s)
            .has_value());
  CHECK_FALSE(worker.next_event(2s).has_value());
}

TEST_CASE("command line: --help exits 0, bad flags exit 2 with a message") {
  {
    ChildProcess help("help", {server_program.string(), "--help"});
    CHECK(help.wait_for_exit(10s) == 0);
    CHECK(help.transcript(SIZE_MAX).find("usage: resonate-server serve") != std::string::npos);
  }
  {
    ChildProcess bad("bad", {server_program.string(), "serve", "--bogus"});
    CHECK(bad.wait_for_exit(10s) == 2);
    CHECK(bad.transcript(SIZE_MAX).find("unknown option '--bogus'") != std::string::npos);
  }
  {
    ChildProcess bad_port("bad port", {server_program.string(), "serve", "--port", "99999"});
    CHECK(bad_port.wait_for_exit(10s) == 2);
  }
}
