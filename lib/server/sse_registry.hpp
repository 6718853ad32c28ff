// The live SSE connections (`GET /poll/{group}/{id}`) and the routing of poll:// addresses to
// them (docs/interop-facts.md "Routing"):
//   poll://uni@G/P  → the first-registered connection of worker P in group G, or nobody;
//   poll://any@G/P  → that connection when P is connected, else a random member of G;
//   poll://any@G    → a random member of G (spreads the load over the group).
// A message nobody can take is parked for a while (bounded per group, one per message key,
// and in total bytes over all groups) and handed to the first matching connection that opens:
// a worker that connects gets the waiting work at once instead of at the core's next 30 s
// retry. Parked messages expire on their deadline (expire_parked, called by the delivery
// loop), whether or not their group is touched again; over the byte cap the oldest go first.
// Parking is a latency optimisation only: the retry timer re-sends what matters.
//
// Threading: the registry and its connections live on the server's single I/O thread and are
// never touched from elsewhere, so they need no locks.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <utility>
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
              std::chrono::milliseconds park_time = std::chrono::minutes(5), std::size_t park_capacity = 1000,
              std::size_t max_parked_bytes = 64 * 1024 * 1024);

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

  // Drops the parked messages whose time is up; returns how many.
  std::size_t expire_parked(std::chrono::steady_clock::time_point now);
  // Parked messages dropped to stay under the byte cap since the last call (to be logged).
  std::size_t take_evicted() { return std::exchange(evicted_, 0); }
  std::size_t parked_bytes() const { return parked_bytes_; }

 private:
  // Parked messages in the order they expire (= the order they were parked): (until, serial).
  using ExpiryKey = std::pair<std::chrono::steady_clock::time_point, std::uint64_t>;
  struct Parked {
    wire::PollAddress address;
    std::string payload;
    ExpiryKey expiry;
  };
  using GroupParked = std::map<std::string, Parked>;

  std::shared_ptr<SseConnection> pick(const wire::PollAddress& address);
  bool park(const wire::PollAddress& address, std::string key, std::string payload);
  void hand_parked(SseConnection& connection);
  // Removes one parked message and its bookkeeping (and its group's entry when it was the last).
  void unpark(std::map<std::string, GroupParked, std::less<>>::iterator group, GroupParked::iterator entry);

  std::size_t max_connections_;
  std::size_t queue_capacity_;
  std::size_t size_ = 0;
  // Per group, connections in registration order (so "first registered" is the front).
  std::map<std::string, std::vector<std::shared_ptr<SseConnection>>, std::less<>> groups_;
  std::chrono::milliseconds park_time_;
  std::size_t park_capacity_;
  std::size_t max_parked_bytes_;
  // Per group, parked messages by key; and all of them by expiry → (group, key).
  std::map<std::string, GroupParked, std::less<>> parked_;
  std::map<ExpiryKey, std::pair<std::string, std::string>> expiry_;
  std::uint64_t park_serial_ = 0;
  std::size_t parked_bytes_ = 0;
  std::size_t evicted_ = 0;
  // Groups already reported as unattended; a connecting member clears its group.
  std::set<std::string, std::less<>> unattended_;
  std::mt19937 random_{std::random_device{}()};
};

}  // namespace resonate::server
