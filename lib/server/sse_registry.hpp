// The live SSE connections (`GET /poll/{group}/{id}`) and the routing of poll:// addresses to
// them (docs/interop-facts.md "Routing"):
//   poll://uni@G/P  → the first-registered connection of worker P in group G, or nobody;
//   poll://any@G/P  → that connection when P is connected, else a random member of G;
//   poll://any@G    → a random member of G (spreads the load over the group).
// Only a stream whose scope admits a message is ever chosen for it (StreamScope: with
// authentication on, a tenant's stream carries only that tenant's ids); the others are passed
// over as if absent, so the message reaches a stream that may carry it or waits parked.
// A message nobody can take is parked for a while (bounded per group, one per message key,
// and in total bytes over all groups) and handed to the first matching connection that opens:
// a worker that connects gets the waiting work at once instead of at the core's next 30 s
// retry. Parked messages expire on their deadline (expire_parked, called by the delivery
// loop), whether or not their group is touched again; over the byte cap the oldest go first.
// Parking is a latency optimisation only: the retry timer re-sends what matters.
// A stream that ends hands back what it had not sent, which is routed again (to another
// member, or parked for the same worker's reconnect).
//
// Threading: the registry and its connections live on the server's single I/O thread and are
// never touched from elsewhere, so they need no locks.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "core/store.hpp"
#include "server/awaitable_io.hpp"
#include "server/sse_queue.hpp"
#include "server/stream_scope.hpp"
#include "wire/address.hpp"

namespace resonate::server {

// Why a stream ended. A stalled client (queue_full, write_stalled) is cut at once; a stream
// whose token expired, or that the server's shutdown ends, closes its event stream cleanly.
enum class StreamEnd { client_closed, queue_full, write_stalled, token_expired, shutdown };
std::string_view to_string(StreamEnd reason);

// One open stream: its worker, what it may carry, its bounded queue, and a wake-up for the
// writer coroutine.
class SseConnection {
 public:
  SseConnection(std::string group, std::string id, StreamScope scope, SseQueue::Limits limits,
                boost::asio::any_io_executor executor);

  const std::string& group() const { return group_; }
  const std::string& id() const { return id_; }
  const StreamScope& scope() const { return scope_; }
  bool admits(const StreamMessage& message) const { return scope_.admits(message.subject); }

  SseQueue& queue() { return queue_; }
  const SseQueue& queue() const { return queue_; }
  // Queues one message and wakes the writer; the caller checked queue().has_room_for.
  void push(StreamMessage message);

  // Waits until something is queued, the stream is closed, or `idle` passes. True unless it
  // timed out idle (the writer then sends a keep-alive comment).
  boost::asio::awaitable<bool> wait(std::chrono::milliseconds idle);

  // Ends the stream; the first reason sticks. For a stalled client it also runs the cut
  // callback, which closes the socket so that a write in progress ends now rather than at its
  // deadline.
  void close(StreamEnd reason);
  void on_cut(std::function<void()> cut) { cut_ = std::move(cut); }
  bool closed() const { return end_.has_value(); }
  std::optional<StreamEnd> end() const { return end_; }

 private:
  std::string group_;
  std::string id_;
  StreamScope scope_;
  SseQueue queue_;
  Timer wakeup_;
  std::optional<StreamEnd> end_;
  std::function<void()> cut_;
};

class SseRegistry {
 public:
  SseRegistry(std::size_t max_connections, SseQueue::Limits queue_limits,
              std::chrono::milliseconds park_time = std::chrono::minutes(5), std::size_t park_capacity = 1000,
              std::size_t max_parked_bytes = 64 * 1024 * 1024);

  // Registers a stream of worker `id` in `group` that carries what `scope` admits, and hands it
  // the parked messages it may take; nullptr when at capacity.
  std::shared_ptr<SseConnection> connect(std::string group, std::string id, boost::asio::any_io_executor executor,
                                         StreamScope scope = {});

  // What became of the messages a departing stream had not sent.
  struct Redelivery {
    std::size_t queued = 0;         // to another stream
    std::size_t parked = 0;         // waiting for a stream that may take them (the same worker reconnecting)
    std::size_t no_connection = 0;  // dropped: parking is full (retry timers re-send executes)
  };
  // Unregisters a stream whose writer has ended, and routes what it held again.
  Redelivery disconnect(const std::shared_ptr<SseConnection>& connection);

  enum class Delivery { queued, parked, no_connection };
  // Routes `message` to a stream of its address that admits it. A stream whose queue has no
  // room is cut (StreamEnd::queue_full: its client is not reading) and the next one tried;
  // with none left the message is parked. `key` identifies the message for parking: a newer
  // message with the same key replaces a parked older one (one execute per task, one unblock
  // per promise and address).
  Delivery deliver(StreamMessage message);
  // Hands `connection` the parked messages it may take, as far as its queue has room: called
  // when it connects and after each of its writes, so nothing waits parked while a stream that
  // may take it is open.
  void refill(SseConnection& connection);

  std::size_t size() const { return size_; }

  // Who can take a group's messages right now, and what waits for them.
  struct GroupStatus {
    std::size_t workers = 0;  // connected streams
    std::size_t parked = 0;   // messages waiting for a member
  };
  GroupStatus status(std::string_view group) const;
  // Every group with a connected stream or a parked message, by name.
  std::map<std::string, GroupStatus, std::less<>> statuses() const;
  // What this server's streams can carry (each open stream's group and worker id, by group),
  // for a store shared with other replicas; max_wait unset.
  core::MessageRoutes routes() const;
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
  // Bytes held in the queues of all open streams (in flight included).
  std::size_t queued_bytes() const;

 private:
  // Parked messages in the order they expire (= the order they were parked): (until, serial).
  using ExpiryKey = std::pair<std::chrono::steady_clock::time_point, std::uint64_t>;
  struct Parked {
    StreamMessage message;
    ExpiryKey expiry;
  };
  using GroupParked = std::map<std::string, Parked>;

  // The open stream that should take `message`, among those that admit it.
  std::shared_ptr<SseConnection> pick(const StreamMessage& message);
  bool park(StreamMessage message);
  // Removes one parked message and its bookkeeping (and its group's entry when it was the last).
  void unpark(std::map<std::string, GroupParked, std::less<>>::iterator group, GroupParked::iterator entry);

  std::size_t max_connections_;
  SseQueue::Limits queue_limits_;
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
