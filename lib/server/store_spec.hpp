// Which Store a `--store` value names: a libpq connection string is PostgreSQL (URL form
// `postgres://…`/`postgresql://…`, or key=value form starting with a libpq keyword such as
// `host=/tmp/pg dbname=resonate`), `memory` is the in-memory store (nothing survives a
// restart), anything else a SQLite file.
#pragma once

#include <memory>
#include <string>

#include "core/store.hpp"

namespace resonate::server {

// Opens the store; throws (core::StoreError or std::exception) when it cannot.
std::unique_ptr<core::Store> open_store(const std::string& spec);

// How the store appears in logs: `sqlite:resonate.db`, `memory`, `postgres:host:port/db` or
// `postgres:host=… port=… dbname=…`; never credentials.
std::string describe_store(const std::string& spec);

}  // namespace resonate::server
