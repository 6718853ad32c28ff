// What one SSE stream holds for its client: the messages queued for it and the batch its
// writer is sending. Bounded in messages and in bytes together, the batch in flight included
// (that is what the server holds for a client until the socket takes it): a client that stays
// connected but stops reading cannot grow the server's memory, it fills its queue and is cut
// (SseRegistry::deliver). An empty queue takes one message of any size, so a large unblock
// still gets through, one at a time.
//
// A message stays here until its write completed, so a stream that ends (client gone, cut,
// token expired) hands back everything it has not sent (take_unsent), to be routed again.
// Pure: no socket, no timer; the registry and the stream's writer drive it.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>

#include "wire/address.hpp"

namespace resonate::server {

// One outbox message on its way to a poll:// address.
struct StreamMessage {
  wire::PollAddress address{};
  std::string key{};                    // for parking: a newer message with the same key replaces it
  std::optional<std::string> subject{}; // the task or promise id it concerns (StreamScope)
  std::string payload{};                // the event's data, compact JSON
};

class SseQueue {
 public:
  struct Limits {
    std::size_t messages = 10000;
    std::size_t bytes = 8 * 1024 * 1024;  // of payloads
  };

  explicit SseQueue(Limits limits) : limits_(limits) {}

  // Whether a payload of `bytes` may be added without passing a bound.
  bool has_room_for(std::size_t bytes) const;
  void push(StreamMessage message);

  // Nothing waits to be written (a batch may still be in flight).
  bool idle() const { return queued_.empty(); }
  // Moves the queued messages into the batch in flight and returns it: the writer sends it
  // from here (no copy) and calls finish_write when the socket took all of it. One batch at a
  // time.
  const std::deque<StreamMessage>& start_write();
  void finish_write();
  // The batch in flight (its write failed or never ended) and the queued messages, oldest
  // first; the queue is empty afterwards. Only when no write is running.
  std::deque<StreamMessage> take_unsent();

  std::size_t messages() const { return in_flight_.size() + queued_.size(); }
  std::size_t bytes() const { return bytes_; }
  const Limits& limits() const { return limits_; }

 private:
  Limits limits_;
  std::deque<StreamMessage> in_flight_;
  std::deque<StreamMessage> queued_;
  std::size_t bytes_ = 0;  // payloads in flight and queued
};

}  // namespace resonate::server
