// The live SSE connections (`GET /poll/{group}/{id}`) and the routing of poll:// addresses to
// them (docs/interop-facts.md "Routing"):
//   poll://uni@G/P  → the first-registered connection of worker P in group G, or nobody;
//   poll://any@G/P  → that connection when P is connected, else a random member of G;
//   poll://any@G    → a random member of G (spreads the load over the group).
// A message nobody can take is parked for a while (bounded per group, one per message key)
// and handed to the first matching connection that opens: a worker that connects gets the
// waiting work at once instead of at the core's next 30 s retry. Parking is a latency
// optimisation only; the retry timer still re-sends `execute` if the server restarts.
//
// Threading: the registry and its connections live on the server's single I/O thread and are
// never touched from elsewhere, so they need no locks.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "server/awaitable_io.hpp"
#include "wire/address.hpp"

namespace resonate::server {

// One open stream: a bounded queue of event payloads and a wake-up for the writer coroutine.
class SseConnection {
 public:
  SseConnection(std::string group, std::string id, std::size_t capacity, boost::asio::any_io_executor executor);

  const std::string& group() const { return group_; }
  const std::string& id() const { return id_; }

  // Queues one event payload (compact JSON); false when the queue is full or the stream closed.
  bool push(std::string payload);
  // Everything queued so far, oldest first.
  std::deque<std::string> take_all();

  // Waits until something is queued, the stream is closed, or `idle` passes. True unless it
  // timed out idle (the writer then sends a keep-alive comment).
  boost::asio::awaitable<bool> wait(std::chrono::milliseconds idle);

  void close();
  bool closed() const { return closed_; }

 private:
  std::string group_;
  std::string id_;
  std::size_t capacity_;
  std::deque<std::string> queue_;
  Timer wakeup_;
  bool closed_ = false;
};

class SseRegistry {
 public:
  SseRegistry(std::size_t max_connections, std::size_t queue_capacity,
              std::chrono::milliseconds park_time = std::chrono::minutes(5), std::size_t park_capacity = 1000);

  // Registers a stream of worker `id` in `group` and hands it the parked messages it may
  // take; nullptr when at capacity.
  std::shared_ptr<SseConnection> connect(std::string group, std::string id, boost::asio::any_io_executor executor);
  void disconnect(const std::shared_ptr<SseConnection>& connection);

  enum class Delivery { queued, parked, no_connection, queue_full };
  // `key` identifies the message for parking: a newer message with the same key replaces a
  // parked older one (one execute per task, one unblock per promise and address).
  Delivery deliver(const wire::PollAddress& address, std::string key, std::string payload);

  std::size_t size() const { return size_; }

  // Who can take a group's messages right now, and what waits for them.
  struct GroupStatus {
    std::size_t workers = 0;  // connected streams
    std::size_t parked = 0;   // messages waiting for a member
  };
  GroupStatus status(std::string_view group) const;
  // Every group with a connected stream or a parked message, by name.
  std::map<std::string, GroupStatus, std::less<>> statuses() const;
  // True the first time a message for `group` finds no member since the group last had one:
  // the moment to tell the operator that calls to it wait.
  bool first_unattended(std::string_view group);
  // Closes every stream (graceful shutdown); their writers end and disconnect.
  void close_all();

 private:
  struct Parked {
    wire::PollAddress address;
    std::string payload;
    std::chrono::steady_clock::time_point until;
  };

  std::shared_ptr<SseConnection> pick(const wire::PollAddress& address);
  bool park(const wire::PollAddress& address, std::string key, std::string payload);
  void hand_parked(SseConnection& connection);

  std::size_t max_connections_;
  std::size_t queue_capacity_;
  std::size_t size_ = 0;
  // Per group, connections in registration order (so "first registered" is the front).
  std::map<std::string, std::vector<std::shared_ptr<SseConnection>>, std::less<>> groups_;
  std::chrono::milliseconds park_time_;
  std::size_t park_capacity_;
  // Per group, parked messages by key.
  std::map<std::string, std::map<std::string, Parked>, std::less<>> parked_;
  // Groups already reported as unattended; a connecting member clears its group.
  std::set<std::string, std::less<>> unattended_;
  std::mt19937 random_{std::random_device{}()};
};

}  // namespace resonate::server
