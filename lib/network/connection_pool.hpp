// Idle HTTP/1.1 connections to one server, kept for the next request (persistent connections:
// one TCP handshake, and one TLS handshake for https://, per connection instead of per request). Thread-safe: the requests of
// different executions run on different strands and share the pool.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <vector>

#include "network/connection.hpp"

namespace resonate::network {

class ConnectionPool {
 public:
  explicit ConnectionPool(std::size_t max_idle) : max_idle_(max_idle) {}

  // The most recently returned idle connection (the likeliest to be still open), if any.
  std::optional<Connection> take();
  // Keeps `connection` for a later request; closes it instead when max_idle are kept already.
  void give_back(Connection connection);
  // Closes every idle connection (the client moved to another server).
  void clear();

 private:
  std::mutex mutex_;
  std::vector<Connection> idle_;
  std::size_t max_idle_;
};

}  // namespace resonate::network
