#include "network/connection_pool.hpp"

namespace resonate::network {

std::optional<Stream> ConnectionPool::take() {
  std::lock_guard lock(mutex_);
  if (idle_.empty()) return std::nullopt;
  auto stream = std::move(idle_.back());
  idle_.pop_back();
  return stream;
}

void ConnectionPool::give_back(Stream stream) {
  stream.expires_never();  // an idle connection has no deadline; the next request sets one
  std::lock_guard lock(mutex_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(stream));
}

}  // namespace resonate::network
