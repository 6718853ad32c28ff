// The implementations of the core's storage interface (core/store.hpp), one factory each.
#pragma once

#include <memory>
#include <string>

#include "core/store.hpp"

namespace resonate::store {

// In memory: tests and embedded local mode without a path.
std::unique_ptr<core::Store> make_memory_store();
// `path` may be ":memory:" for a throwaway SQLite database.
std::unique_ptr<core::Store> make_sqlite_store(const std::string& path);
// `conninfo` is a libpq connection string or postgres:// URL.
std::unique_ptr<core::Store> make_postgres_store(const std::string& conninfo);

}  // namespace resonate::store
