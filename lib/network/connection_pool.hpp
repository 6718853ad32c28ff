// The HTTP/1.1 connections of one client to its server, one request at a time on each: at most
// `max_connections` open at once, busy or idle. A request takes an idle connection, opens one
// while there is room, or waits, first come first served, for one to come back. Kept connections
// cost one TCP (and TLS) handshake per connection instead of per request; the limit makes a burst
// of concurrent calls queue here instead of opening and closing a connection each, which at a
// few thousand a second runs the machine out of ports in TIME_WAIT (the server then resets
// connects). Thread-safe: the requests of different executions run on different strands.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "network/connection.hpp"

namespace resonate::network {

class ConnectionPool {
 public:
  explicit ConnectionPool(std::size_t max_connections) : max_connections_(max_connections) {}

  // One place among the open connections, held for one request.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    // A kept connection goes back to the pool; otherwise the connection (if any) is closed and
    // its place goes to the next request.
    ~Lease();

    // The idle connection the lease came with, or none: open one (its place is reserved).
    std::optional<Connection>& connection() { return connection_; }
    // Closes the connection (dead, or to another server): another may open in its place.
    void discard() {
      if (connection_) connection_->close();
      connection_.reset();
    }
    // The connection answered and stays open: a later request may use it.
    void keep() { kept_ = true; }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool& pool, std::optional<Connection> connection)
        : pool_(&pool), connection_(std::move(connection)) {}
    ConnectionPool* pool_;
    std::optional<Connection> connection_;
    bool kept_ = false;
  };

  // A place, waiting at most `timeout` for one; throws PlatformError when none comes free.
  boost::asio::awaitable<Lease> acquire(std::chrono::milliseconds timeout);
  // Closes the idle connections (the client moved to another server); their places come free.
  void clear();

 private:
  struct Waiter;
  // An idle connection, or the place of one to open.
  using Grant = std::optional<Connection>;

  // To the longest-waiting request; with none waiting, kept idle (a connection) or freed.
  void hand_on(Grant grant);
  // A waiter whose deadline passed, or whose request is gone: out of the queue, and what it
  // was handed meanwhile goes on to the next.
  void give_up(const std::shared_ptr<Waiter>& waiter, bool timed_out);

  std::mutex mutex_;
  std::vector<Connection> idle_;
  std::deque<std::shared_ptr<Waiter>> waiters_;
  std::size_t open_ = 0;  // connections open or being opened, idle ones included
  std::size_t max_connections_;
};

}  // namespace resonate::network
