#include "server_store.hpp"

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>

#include <unistd.h>

#include <libpq-fe.h>

namespace resonate::test_support {

namespace {

std::optional<std::string> cluster_conninfo() {
  const char* file = std::getenv("RESONATE_TEST_SERVER_POSTGRES_FILE");
  if (file == nullptr || *file == '\0') return std::nullopt;
  std::ifstream in(file);
  std::string conninfo;
  if (!std::getline(in, conninfo) || conninfo.empty()) {
    throw std::runtime_error(std::string("RESONATE_TEST_SERVER_POSTGRES_FILE names no conninfo: ") + file);
  }
  return conninfo;
}

}  // namespace

bool servers_use_postgres() { return cluster_conninfo().has_value(); }

std::string fresh_server_store(const std::filesystem::path& directory) {
  const auto conninfo = cluster_conninfo();
  if (!conninfo) return (directory / "resonate.db").string();

  // Unique across the test processes that share the cluster (pid) and within one (counter).
  static std::atomic<int> counter = 0;
  const std::string database = "resonate_server_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  std::unique_ptr<PGconn, decltype(&PQfinish)> connection(PQconnectdb(conninfo->c_str()), &PQfinish);
  if (PQstatus(connection.get()) != CONNECTION_OK) {
    throw std::runtime_error("cannot reach the test cluster: " + std::string(PQerrorMessage(connection.get())));
  }
  // Dropped with the cluster when the CTest fixture stops it.
  std::unique_ptr<PGresult, decltype(&PQclear)> created(
      PQexec(connection.get(), ("CREATE DATABASE " + database).c_str()), &PQclear);
  if (PQresultStatus(created.get()) != PGRES_COMMAND_OK) {
    throw std::runtime_error("cannot create database " + database + ": " + PQerrorMessage(connection.get()));
  }
  // In a conninfo string a later keyword overrides an earlier one.
  return *conninfo + " dbname=" + database;
}

}  // namespace resonate::test_support
