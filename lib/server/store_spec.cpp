#include "server/store_spec.hpp"

#include <string_view>

#include "store/factories.hpp"

namespace resonate::server {

namespace {

bool is_postgres_url(std::string_view spec) {
  return spec.starts_with("postgres://") || spec.starts_with("postgresql://");
}

bool is_postgres_keywords(std::string_view spec) {
  for (std::string_view keyword : {"host=", "hostaddr=", "port=", "dbname=", "user=", "service="}) {
    if (spec.starts_with(keyword)) return true;
  }
  return false;
}

bool is_postgres(std::string_view spec) { return is_postgres_url(spec) || is_postgres_keywords(spec); }

// The host, port and dbname pairs of a key=value conninfo (values with spaces are not expected
// in these three).
std::string describe_keywords(std::string_view spec) {
  std::string out;
  while (!spec.empty()) {
    const auto space = spec.find(' ');
    const auto pair = spec.substr(0, space);
    spec = space == std::string_view::npos ? std::string_view{} : spec.substr(space + 1);
    if (pair.starts_with("host=") || pair.starts_with("port=") || pair.starts_with("dbname=")) {
      if (!out.empty()) out += ' ';
      out += pair;
    }
  }
  return out;
}

}  // namespace

std::unique_ptr<core::Store> open_store(const std::string& spec) {
  if (is_postgres(spec)) return store::make_postgres_store(spec);
  if (spec == "memory") return store::make_memory_store();
  return store::make_sqlite_store(spec);
}

std::string describe_store(const std::string& spec) {
  if (spec == "memory") return "memory";
  if (!is_postgres(spec)) return "sqlite:" + spec;
  if (is_postgres_keywords(spec)) return "postgres:" + describe_keywords(spec);
  // postgres://user:password@host:port/db?options → postgres:host:port/db
  std::string_view rest(spec);
  rest.remove_prefix(rest.find("://") + 3);
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  if (const auto query = rest.find('?'); query != std::string_view::npos) rest = rest.substr(0, query);
  return "postgres:" + std::string(rest);
}

}  // namespace resonate::server
