// The few things the SQL stores need from a database connection, so that SQLite and
// PostgreSQL share one implementation of the tables (sql_transaction.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace resonate::store {

// A statement parameter. Strings are copied by the session before query() returns.
using SqlParam = std::variant<std::nullptr_t, std::int64_t, std::string_view>;

// The result rows of one statement, read front to back.
class SqlRows {
 public:
  virtual ~SqlRows() = default;
  // Advances to the next row; false when there is none.
  virtual bool next() = 0;
  virtual bool is_null(int column) = 0;
  virtual std::string text(int column) = 0;
  virtual std::int64_t integer(int column) = 0;

  std::optional<std::string> optional_text(int column) {
    if (is_null(column)) return std::nullopt;
    return text(column);
  }
  std::optional<std::int64_t> optional_integer(int column) {
    if (is_null(column)) return std::nullopt;
    return integer(column);
  }
};

// A PostgreSQL array literal of text values, {"a","b"} with quotes and backslashes escaped, for
// a parameter such as `id = ANY($1::TEXT[])`.
template <typename Strings>
std::string text_array(const Strings& values) {
  std::string literal = "{";
  for (const auto& value : values) {
    if (literal.size() > 1) literal += ',';
    literal += '"';
    for (const char c : std::string_view(value)) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  return literal + "}";
}

class SqlSession {
 public:
  virtual ~SqlSession() = default;
  // Runs `sql`, whose parameters are written $1, $2, ... in order of first use. The
  // statement may run lazily as the rows are read; throws core::StoreError on failure.
  virtual std::unique_ptr<SqlRows> query(const std::string& sql, const std::vector<SqlParam>& params) = 0;

  // Runs several queries in order and returns their rows, in the same order. A session may
  // send them all before reading any answer (PostgreSQL's pipeline: one round trip).
  struct Query {
    const std::string& sql;
    std::vector<SqlParam> params;
  };
  virtual std::vector<std::unique_ptr<SqlRows>> query_all(const std::vector<Query>& queries) {
    std::vector<std::unique_ptr<SqlRows>> results;
    for (const auto& each : queries) results.push_back(query(each.sql, each.params));
    return results;
  }

  // Runs a statement whose rows, if any, are not needed. A session may send it without
  // waiting (PostgreSQL's pipeline): its failure is then reported by the next query(), or by
  // the commit, which fails the whole transaction.
  virtual void execute(const std::string& sql, const std::vector<SqlParam>& params) {
    auto rows = query(sql, params);
    while (rows->next()) {
    }
  }
};

}  // namespace resonate::store
