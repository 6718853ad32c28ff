#include "network/connection_pool.hpp"

namespace resonate::network {

std::optional<Connection> ConnectionPool::take() {
  std::lock_guard lock(mutex_);
  if (idle_.empty()) return std::nullopt;
  auto connection = std::move(idle_.back());
  idle_.pop_back();
  return connection;
}

void ConnectionPool::give_back(Connection connection) {
  connection.tcp().expires_never();  // an idle connection has no deadline; the next request sets one
  std::lock_guard lock(mutex_);
  if (idle_.size() < max_idle_) {
    idle_.push_back(std::move(connection));
  } else {
    connection.close();
  }
}

void ConnectionPool::clear() {
  std::vector<Connection> closing;
  {
    std::lock_guard lock(mutex_);
    closing.swap(idle_);
  }
  for (auto& connection : closing) connection.close();
}

}  // namespace resonate::network
