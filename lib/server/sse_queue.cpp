#include "server/sse_queue.hpp"

#include <utility>

namespace resonate::server {

bool SseQueue::has_room_for(std::size_t bytes) const {
  if (messages() == 0) return true;
  return messages() < limits_.messages && bytes <= limits_.bytes && bytes_ <= limits_.bytes - bytes;
}

void SseQueue::push(StreamMessage message) {
  bytes_ += message.payload.size();
  queued_.push_back(std::move(message));
}

const std::deque<StreamMessage>& SseQueue::start_write() {
  for (auto& message : queued_) in_flight_.push_back(std::move(message));
  queued_.clear();
  return in_flight_;
}

void SseQueue::finish_write() {
  for (const auto& message : in_flight_) bytes_ -= message.payload.size();
  in_flight_.clear();
}

std::deque<StreamMessage> SseQueue::take_unsent() {
  auto unsent = std::exchange(in_flight_, {});
  for (auto& message : queued_) unsent.push_back(std::move(message));
  queued_.clear();
  bytes_ = 0;
  return unsent;
}

}  // namespace resonate::server
