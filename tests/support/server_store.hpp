// The store of a resonate-server that a multi-process test starts. By default a SQLite file in
// the test's scratch directory; when the environment names a PostgreSQL cluster
// (RESONATE_TEST_SERVER_POSTGRES_FILE: a file holding its conninfo, written by the CTest fixture
// that starts the private cluster), a fresh database of that cluster for each server, so the
// same suites run on either store.
#pragma once

#include <filesystem>
#include <string>

namespace resonate::test_support {

// Whether servers get PostgreSQL databases (the environment names a cluster).
bool servers_use_postgres();

// The `--store` of a new server whose files live in `directory`: "<directory>/resonate.db", or
// the conninfo of a database created for it. Throws std::runtime_error when the cluster cannot
// be reached or the database cannot be created.
std::string fresh_server_store(const std::filesystem::path& directory);

}  // namespace resonate::test_support
