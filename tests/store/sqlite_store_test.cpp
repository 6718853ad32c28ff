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
