// The three stores as test backends: each opens a store on its own empty storage and can
// open it again (or a second store on the same storage) to test persistence and sharing.
#pragma once

#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include <doctest/doctest.h>

#include "store/factories.hpp"
#include "scratch_directory.hpp"

namespace resonate::test_support {

struct MemoryBackend {
  static constexpr bool persistent = false;
  std::unique_ptr<core::Store> open() { return store::make_memory_store(); }
  // A memory store lives in one object only: nothing else can share it.
  std::unique_ptr<core::Store> open_again() { return nullptr; }
};

struct SqliteBackend {
  static constexpr bool persistent = true;
  resonate::test_support::ScratchDirectory dir{"resonate-store"};
  std::string path = (dir.path() / "resonate.db").string();
  std::unique_ptr<core::Store> open() { return store::make_sqlite_store(path); }
  std::unique_ptr<core::Store> open_again() { return open(); }
};

// The conninfo of the test database: env RESONATE_TEST_POSTGRES, else the file named by
// RESONATE_TEST_POSTGRES_FILE (written by the CTest fixture that starts a private cluster).
inline std::optional<std::string> postgres_test_conninfo() {
  if (const char* conninfo = std::getenv("RESONATE_TEST_POSTGRES"); conninfo != nullptr && *conninfo != '\0') {
    return conninfo;
  }
  if (const char* file = std::getenv("RESONATE_TEST_POSTGRES_FILE"); file != nullptr) {
    std::ifstream in(file);
    std::string conninfo;
    if (std::getline(in, conninfo) && !conninfo.empty()) return conninfo;
  }
  return std::nullopt;
}

struct PostgresBackend {
  static constexpr bool persistent = true;
  std::optional<std::string> conninfo = postgres_test_conninfo();
  // The tests share one database: every test starts by clearing it.
  std::unique_ptr<core::Store> open() {
    if (!conninfo) return nullptr;
    auto opened = store::make_postgres_store(*conninfo);
    auto transaction = opened->begin();
    transaction->clear();
    transaction->commit();
    return opened;
  }
  std::unique_ptr<core::Store> open_again() { return conninfo ? store::make_postgres_store(*conninfo) : nullptr; }
};

// Opens the backend's store, or says why it cannot: PostgreSQL is skipped without a
// database, except in CI (env CI set), where a missing database is a failure.
template <typename Backend>
std::unique_ptr<core::Store> open_or_skip(Backend& backend) {
  auto opened = backend.open();
  if (opened == nullptr) {
    if (std::getenv("CI") != nullptr) {
      FAIL("no PostgreSQL test database: set RESONATE_TEST_POSTGRES (or run through ctest)");
    }
    MESSAGE("skipped: no PostgreSQL test database (set RESONATE_TEST_POSTGRES to a conninfo)");
  }
  return opened;
}

}  // namespace resonate::test_support

TYPE_TO_STRING(resonate::test_support::MemoryBackend);
TYPE_TO_STRING(resonate::test_support::SqliteBackend);
TYPE_TO_STRING(resonate::test_support::PostgresBackend);
