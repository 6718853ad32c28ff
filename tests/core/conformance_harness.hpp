// The harness of the protocol conformance suite (docs/resonate-protocol.md §6).
//
// Scenarios drive the sans-IO core with request envelopes, exactly as the server would, and
// read the outcome from responses and `debug.snap`. JSON literals are written in the doc's
// notation so a test reads like its scenario:
//   - outside strings, `T`, `T+60000`, `T-10` stand for the scenario time T = 1700000000000;
//   - inside strings, `$W` and `$U` stand for the addresses W and U of §6.
// Expected literals are matched as subsets (§6: "records show only the relevant fields"),
// except that `{}` and arrays are exact: `{}` means "empty", `[a, b]` means "exactly a and b".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <doctest/doctest.h>

#include "core/core.hpp"
#include "store/factories.hpp"

namespace resonate::conformance {

namespace json = boost::json;
using wire::Millis;

inline constexpr Millis T = 1700000000000;  // 2023-11-14T22:13:20Z
inline constexpr std::string_view W = "poll://any@workers";
inline constexpr std::string_view U = "poll://uni@workers/p9";

// A JSON literal in the notation above.
json::value json_of(std::string_view literal);

// Empty when `actual` contains `expected` (see the file comment), else where and how it differs.
std::string mismatch(const json::value& actual, const json::value& expected);

// True when `record` is an object with the field `key` (optional fields are omitted, never null).
bool has(const json::value& record, std::string_view key);

// The element of an array of records whose "id" is `id`, or null.
json::value with_id(const json::value& records, std::string_view id);

// The "id" fields of an array of records, in order.
std::vector<std::string> ids_of(const json::value& records);

// A request envelope: head carries corrId, the protocol version and the debug time `at`.
json::object request(std::string_view kind, json::value data, Millis at, std::string_view corr_id);

struct Response {
  int status = 0;         // head.status (checked equal to the HTTP-ready status)
  json::object envelope;  // the whole response envelope

  const json::value& data() const { return envelope.at("data"); }
  // The error message: on every error, `data` is a string.
  std::string message() const;
};

// One core in debug mode on one store, driven with envelopes.
class Server {
 public:
  explicit Server(std::unique_ptr<core::Store> store, bool debug = true);

  // Sends `kind` with the data literal at time `at` (head debug time and `now` both `at`).
  Response call(std::string_view kind, std::string_view data_literal, Millis at);
  // Sends a whole envelope (any JSON, even malformed) at time `at`.
  Response send(const json::value& envelope, Millis at);
  // Sends a raw request body, as `POST /` would.
  core::Reply send_body(std::string_view body, Millis at);

  // `debug.snap`: {promises, promiseTimeouts, callbacks, listeners, tasks, taskTimeouts, messages}.
  json::object snap(Millis at);
  // `debug.tick {time}`, checked to answer 200 [].
  void tick(Millis time);
  // Empties the outbox as the delivery loop would, so later snaps show only new messages.
  void deliver();

 private:
  std::unique_ptr<core::Store> store_;
  core::Core core_;
  std::uint64_t next_corr_id_ = 1;
};

// A fresh SQLite database file in its own temporary directory, deleted afterwards.
class TempDatabase {
 public:
  TempDatabase();
  ~TempDatabase();
  TempDatabase(const TempDatabase&) = delete;
  TempDatabase& operator=(const TempDatabase&) = delete;
  std::string path() const { return directory_ + "/conformance.db"; }

 private:
  std::string directory_;
};

// The PostgreSQL conninfo from env RESONATE_TEST_POSTGRES, empty when unset.
std::string postgres_conninfo();

// A server in debug mode after `debug.reset` and `debug.start`, as §6 requires.
std::unique_ptr<Server> start_server(std::unique_ptr<core::Store> store);

// Runs `scenario(server)` once per store: memory, SQLite, and PostgreSQL when configured.
// Each store is a doctest subcase, so a failure names the store it happened on.
template <typename Scenario>
void on_every_store(Scenario&& scenario) {
  SUBCASE("memory store") {
    auto server = start_server(store::make_memory_store());
    scenario(*server);
  }
  SUBCASE("sqlite store") {
    TempDatabase database;
    auto server = start_server(store::make_sqlite_store(database.path()));
    scenario(*server);
  }
  if (const auto conninfo = postgres_conninfo(); !conninfo.empty()) {
    SUBCASE("postgres store") {
      auto server = start_server(store::make_postgres_store(conninfo));
      scenario(*server);
    }
  }
}

}  // namespace resonate::conformance

// CHECK that `actual` (a json::value) contains the literal `expected` (see the file comment).
#define CHECK_MATCHES(actual, expected)                                                                  \
  do {                                                                                                   \
    const std::string conformance_difference =                                                           \
        ::resonate::conformance::mismatch((actual), ::resonate::conformance::json_of(expected));         \
    CHECK_MESSAGE(conformance_difference.empty(), conformance_difference);                               \
  } while (false)
