// Core::apply_batch (group commit): many requests in one transaction, each as if alone.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include <sqlite3.h>

#include <boost/json/parse.hpp>

#include "core/core.hpp"
#include "request_body.hpp"
#include "store/factories.hpp"

namespace {

namespace json = boost::json;
using resonate::core::BatchedRequest;
using resonate::core::Core;
using resonate::core::Reply;

constexpr std::int64_t kNow = 1700000000000;

std::string envelope(const std::string& kind, const std::string& corr_id, const std::string& data) {
  return resonate::core_test::request_body(kind, data, corr_id);
}

std::string create(const std::string& id) {
  return envelope("promise.create", id,
                  R"({"id":")" + id + R"(","timeoutAt":)" + std::to_string(kNow + 60000) +
                      R"(,"tags":{"resonate:target":"poll://any@workers"}})");
}

std::string get(const std::string& id) { return envelope("promise.get", "get-" + id, R"({"id":")" + id + R"("})"); }

std::vector<Reply> run(Core& core, const std::vector<std::string>& bodies) {
  std::vector<BatchedRequest> batch;
  for (const auto& body : bodies) batch.push_back({body});
  return core.apply_batch(kNow, batch);
}

std::string corr_id_of(const Reply& reply) {
  return std::string(json::parse(reply.body).at("head").at("corrId").as_string());
}

}  // namespace

TEST_CASE("group commit: every request of a batch gets its own answer, in order, as if alone") {
  auto store = resonate::store::make_memory_store();
  Core core(*store);
  const auto replies = run(core, {create("a"), get("missing"), create("b"), "{not json", get("a"),
                                  envelope("debug.snap", "snap", "{}")});
  REQUIRE(replies.size() == 6);
  CHECK(replies[0].status == 200);
  CHECK(corr_id_of(replies[0]) == "a");
  CHECK(replies[1].status == 404);
  CHECK(corr_id_of(replies[1]) == "get-missing");
  CHECK(replies[2].status == 200);
  CHECK(replies[3].status == 400);
  CHECK(replies[4].status == 200);  // sees the creation earlier in the same batch
  CHECK(replies[5].status == 403);  // debug operations are off
  CHECK(core.apply(kNow, get("a")).status == 200);
  CHECK(core.apply(kNow, get("b")).status == 200);
}

TEST_CASE("group commit: a debug operation sees what came before it in the batch, not what comes after") {
  auto store = resonate::store::make_memory_store();
  Core core(*store, {.debug = true});
  const auto replies = run(core, {create("before"), envelope("debug.snap", "snap", "{}"), create("after")});
  REQUIRE(replies.size() == 3);
  CHECK(replies[1].status == 200);
  const auto promises = json::parse(replies[1].body).at("data").at("promises").as_array();
  REQUIRE(promises.size() == 1);
  CHECK(promises[0].at("id") == "before");
  CHECK(core.apply(kNow, get("after")).status == 200);
}

TEST_CASE("group commit: a request the store fails half way undoes only its own writes") {
  const auto path = std::filesystem::temp_directory_path() / ("group-commit-" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(path);
  {
    auto store = resonate::store::make_sqlite_store(path.string());
    // The store fails the timeout of promise "boom", after its row was written.
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db,
                         "CREATE TRIGGER fail_boom BEFORE INSERT ON promise_timeouts WHEN NEW.id = 'boom' "
                         "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);

    Core core(*store);
    const auto replies = run(core, {create("a"), create("boom"), create("b")});
    REQUIRE(replies.size() == 3);
    CHECK(replies[0].status == 200);
    CHECK(replies[1].status == 500);
    CHECK(replies[1].body.find("injected failure") != std::string::npos);
    CHECK(replies[2].status == 200);
    CHECK(core.apply(kNow, get("a")).status == 200);
    CHECK(core.apply(kNow, get("boom")).status == 404);  // its promise row was undone
    CHECK(core.apply(kNow, get("b")).status == 200);

    // First in its transaction (no savepoint): its failure rolls back only itself too.
    const auto again = run(core, {create("boom"), create("c")});
    CHECK(again[0].status == 500);
    CHECK(again[1].status == 200);
    CHECK(core.apply(kNow, get("boom")).status == 404);
    CHECK(core.apply(kNow, get("c")).status == 200);
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + "-wal");
  std::filesystem::remove(path.string() + "-shm");
}

TEST_CASE("group commit: the batch's transaction takes the messages it produced, for delivery after its commit") {
  auto store = resonate::store::make_memory_store();
  Core core(*store);
  resonate::core::OutboxTake take;
  take.limit = 10;
  std::vector<BatchedRequest> batch;
  const std::vector<std::string> bodies = {create("a"), get("missing"), create("b")};
  for (const auto& body : bodies) batch.push_back({body});
  const auto replies = core.apply_batch(kNow, batch, &take);
  REQUIRE(replies.size() == 3);
  std::vector<std::string> keys;
  for (const auto& message : take.messages) keys.push_back(message.key);
  CHECK(keys == std::vector<std::string>{"execute:a", "execute:b"});
  auto t = store->begin();
  CHECK(t->all_messages().empty());  // taken in the batch's own transaction
  t->commit();

  // At most `limit`; the rest stays for the delivery loop.
  resonate::core::OutboxTake small;
  small.limit = 1;
  const std::vector<std::string> more = {create("c"), create("d")};
  std::vector<BatchedRequest> second;
  for (const auto& body : more) second.push_back({body});
  core.apply_batch(kNow, second, &small);
  REQUIRE(small.messages.size() == 1);
  CHECK(small.messages[0].key == "execute:c");
  CHECK(core.take_messages().size() == 1);
}
