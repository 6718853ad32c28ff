// What only the SQLite store promises: its schema version and the file it works on.
#include <doctest/doctest.h>

#include <sqlite3.h>

#include "store/factories.hpp"
#include "scratch_directory.hpp"

using namespace resonate::core;
using namespace resonate::store;
using namespace resonate::wire;

namespace {

void set_user_version(const std::string& path, int version) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  auto sql = "PRAGMA user_version = " + std::to_string(version);
  CHECK(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
}

std::string journal_mode(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &statement, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(statement) == SQLITE_ROW);
  std::string mode = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return mode;
}

}  // namespace

TEST_CASE("the SQLite store uses WAL and refuses a schema newer than it knows") {
  resonate::test_support::ScratchDirectory dir{"resonate-store"};
  auto path = (dir.path() / "store.db").string();
  {
    auto store = make_sqlite_store(path);
    CHECK(store->ready());
  }
  CHECK(journal_mode(path) == "wal");
  // Reopening a current schema migrates nothing and works.
  CHECK_NOTHROW(make_sqlite_store(path));
  set_user_version(path, 999);
  CHECK_THROWS_AS(make_sqlite_store(path), StoreError);
}

TEST_CASE("a database of schema 1 gets its state counts from the rows it holds") {
  resonate::test_support::ScratchDirectory dir{"resonate-store"};
  auto path = (dir.path() / "store.db").string();
  auto put = [](Store& store, const std::string& id, PromiseState state) {
    auto t = store.begin();
    Promise promise;
    promise.id = id;
    promise.state = state;
    t->put_promise(promise);
    Task task;
    task.id = id;
    t->put_task(task);
    t->commit();
  };
  {
    auto store = make_sqlite_store(path);
    put(*store, "a", PromiseState::pending);
    put(*store, "b", PromiseState::resolved);
  }
  // Back to schema 1, as a server before the counts left it.
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    for (const auto* trigger : {"promises_counted_on_insert", "promises_counted_on_update", "promises_counted_on_delete",
                                "tasks_counted_on_insert", "tasks_counted_on_update", "tasks_counted_on_delete"}) {
      CHECK(sqlite3_exec(db, ("DROP TRIGGER " + std::string(trigger)).c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    }
    CHECK(sqlite3_exec(db, "DROP TABLE state_counts", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  set_user_version(path, 1);
  auto store = make_sqlite_store(path);
  put(*store, "c", PromiseState::pending);
  const auto counts = store->begin()->count_by_state();
  CHECK(counts.promises == std::map<PromiseState, std::uint64_t>{{PromiseState::pending, 2}, {PromiseState::resolved, 1}});
  CHECK(counts.tasks == std::map<TaskState, std::uint64_t>{{TaskState::pending, 3}});
}

TEST_CASE("an in-memory SQLite store works like a file") {
  auto store = make_sqlite_store(":memory:");
  auto t = store->begin();
  Promise promise;
  promise.id = "p";
  t->put_promise(promise);
  t->commit();
  CHECK(store->begin()->get_promise("p") == promise);
}

TEST_CASE("an unusable SQLite path is a StoreError") {
  resonate::test_support::ScratchDirectory dir{"resonate-store"};
  CHECK_THROWS_AS(make_sqlite_store((dir.path() / "missing" / "store.db").string()), StoreError);
}
