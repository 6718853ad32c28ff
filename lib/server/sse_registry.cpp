#include "server/sse_registry.hpp"

#include <algorithm>

namespace resonate::server {

namespace asio = boost::asio;

std::string_view to_string(StreamEnd reason) {
  switch (reason) {
    case StreamEnd::client_closed: return "client_closed";
    case StreamEnd::queue_full: return "queue_full";
    case StreamEnd::write_stalled: return "write_stalled";
    case StreamEnd::token_expired: return "token_expired";
    case StreamEnd::shutdown: return "shutdown";
  }
  return "unknown";
}

SseConnection::SseConnection(std::string group, std::string id, StreamScope scope, SseQueue::Limits limits,
                             asio::any_io_executor executor)
    : group_(std::move(group)),
      id_(std::move(id)),
      scope_(std::move(scope)),
      queue_(limits),
      wakeup_(std::move(executor)) {}

void SseConnection::push(StreamMessage message) {
  queue_.push(std::move(message));
  wakeup_.cancel();
}

asio::awaitable<bool> SseConnection::wait(std::chrono::milliseconds idle) {
  // The writer checks the queue before waiting and everything runs on one thread, so a push
  // cannot slip in between that check and this wait unnoticed.
  if (closed() || !queue_.idle()) co_return true;
  wakeup_.expires_after(idle);
  auto [error] = co_await wakeup_.async_wait();
  co_return error == asio::error::operation_aborted || closed() || !queue_.idle();
}

void SseConnection::close(StreamEnd reason) {
  if (end_) return;
  end_ = reason;
  wakeup_.cancel();
  if ((reason == StreamEnd::queue_full || reason == StreamEnd::write_stalled) && cut_) cut_();
}

SseRegistry::SseRegistry(std::size_t max_connections, SseQueue::Limits queue_limits,
                         std::chrono::milliseconds park_time, std::size_t park_capacity, std::size_t max_parked_bytes)
    : max_connections_(max_connections),
      queue_limits_(queue_limits),
      park_time_(park_time),
      park_capacity_(park_capacity),
      max_parked_bytes_(max_parked_bytes) {}

std::shared_ptr<SseConnection> SseRegistry::connect(std::string group, std::string id, asio::any_io_executor executor,
                                                    StreamScope scope) {
  if (size_ >= max_connections_) return nullptr;
  auto connection =
      std::make_shared<SseConnection>(group, std::move(id), std::move(scope), queue_limits_, std::move(executor));
  if (auto warned = unattended_.find(group); warned != unattended_.end()) unattended_.erase(warned);
  groups_[std::move(group)].push_back(connection);
  ++size_;
  refill(*connection);
  return connection;
}

SseRegistry::Redelivery SseRegistry::disconnect(const std::shared_ptr<SseConnection>& connection) {
  const auto group = groups_.find(connection->group());
  if (group == groups_.end()) return {};
  auto& members = group->second;
  const auto found = std::find(members.begin(), members.end(), connection);
  if (found == members.end()) return {};
  members.erase(found);
  --size_;
  if (members.empty()) groups_.erase(group);

  // Taken from the outbox already: dropping them would lose every unblock among them.
  Redelivery redelivery;
  for (auto& message : connection->queue().take_unsent()) {
    switch (deliver(std::move(message))) {
      case Delivery::queued: ++redelivery.queued; break;
      case Delivery::parked: ++redelivery.parked; break;
      case Delivery::no_connection: ++redelivery.no_connection; break;
    }
  }
  return redelivery;
}

std::shared_ptr<SseConnection> SseRegistry::pick(const StreamMessage& message) {
  const auto& address = message.address;
  const auto group = groups_.find(address.group);
  if (group == groups_.end()) return nullptr;
  // A closed stream (client gone, writer not yet resumed to unregister it) takes nothing, and
  // a stream whose scope does not admit the message is not a candidate at all.
  std::vector<std::shared_ptr<SseConnection>> open;
  for (const auto& connection : group->second) {
    if (connection->closed() || !connection->admits(message)) continue;
    if (!address.id.empty() && connection->id() == address.id) return connection;  // first registered
    open.push_back(connection);
  }
  // Unicast needs its named worker; anycast falls back to any member of the group.
  if (address.cast == wire::PollAddress::Cast::uni || open.empty()) return nullptr;
  std::uniform_int_distribution<std::size_t> any(0, open.size() - 1);
  return open[any(random_)];
}

SseRegistry::Delivery SseRegistry::deliver(StreamMessage message) {
  // Each full stream is closed before the next pick, so this ends.
  while (auto connection = pick(message)) {
    if (connection->queue().has_room_for(message.payload.size())) {
      connection->push(std::move(message));
      return Delivery::queued;
    }
    // Its client stopped reading, or reads slower than its messages come: holding more would
    // grow the server's memory without bound. Cut it; what it holds is routed again when its
    // writer ends, and this message goes to another stream or waits for the reconnect.
    connection->close(StreamEnd::queue_full);
  }
  return park(std::move(message)) ? Delivery::parked : Delivery::no_connection;
}

bool SseRegistry::park(StreamMessage message) {
  const auto now = std::chrono::steady_clock::now();
  expire_parked(now);
  const auto bytes = message.payload.size();
  if (bytes > max_parked_bytes_) return false;
  const auto& group_name = message.address.group;
  if (auto group = parked_.find(group_name); group != parked_.end()) {
    if (auto older = group->second.find(message.key); older != group->second.end()) {
      unpark(group, older);  // a newer message with the same key replaces it
    } else if (group->second.size() >= park_capacity_) {
      return false;
    }
  }
  // Over the byte cap the oldest parked messages (of any group) make room.
  while (parked_bytes_ + bytes > max_parked_bytes_ && !expiry_.empty()) {
    const auto& [oldest_group, oldest_key] = expiry_.begin()->second;
    auto group = parked_.find(oldest_group);
    unpark(group, group->second.find(oldest_key));
    ++evicted_;
  }
  const ExpiryKey expiry{now + park_time_, park_serial_++};
  expiry_.emplace(expiry, std::pair{group_name, message.key});
  parked_bytes_ += bytes;
  auto& group = parked_[group_name];
  auto key = message.key;
  group.emplace(std::move(key), Parked{std::move(message), expiry});
  return true;
}

void SseRegistry::unpark(std::map<std::string, GroupParked, std::less<>>::iterator group, GroupParked::iterator entry) {
  parked_bytes_ -= entry->second.message.payload.size();
  expiry_.erase(entry->second.expiry);
  group->second.erase(entry);
  if (group->second.empty()) parked_.erase(group);
}

std::size_t SseRegistry::expire_parked(std::chrono::steady_clock::time_point now) {
  std::size_t expired = 0;
  while (!expiry_.empty() && expiry_.begin()->first.first <= now) {
    const auto& [group_name, key] = expiry_.begin()->second;
    auto group = parked_.find(group_name);
    unpark(group, group->second.find(key));
    ++expired;
  }
  return expired;
}

void SseRegistry::refill(SseConnection& connection) {
  if (connection.closed()) return;
  expire_parked(std::chrono::steady_clock::now());
  auto group = parked_.find(connection.group());
  if (group == parked_.end()) return;
  // Unicast waits for its own worker; anycast goes to whoever of the group comes first. What
  // does not fit now waits for this stream's next write or another stream.
  for (auto entry = group->second.begin(); entry != group->second.end();) {
    const auto& message = entry->second.message;
    const bool takes = (message.address.cast == wire::PollAddress::Cast::any || message.address.id == connection.id()) &&
                       connection.admits(message) && connection.queue().has_room_for(message.payload.size());
    if (!takes) {
      ++entry;
      continue;
    }
    parked_bytes_ -= message.payload.size();
    expiry_.erase(entry->second.expiry);
    connection.push(std::move(entry->second.message));
    entry = group->second.erase(entry);
  }
  if (group->second.empty()) parked_.erase(group);
}

SseRegistry::GroupStatus SseRegistry::status(std::string_view group) const {
  GroupStatus status;
  if (auto members = groups_.find(group); members != groups_.end()) status.workers = members->second.size();
  if (auto parked = parked_.find(group); parked != parked_.end()) status.parked = parked->second.size();
  return status;
}

std::map<std::string, SseRegistry::GroupStatus, std::less<>> SseRegistry::statuses() const {
  std::map<std::string, GroupStatus, std::less<>> all;
  for (const auto& [name, members] : groups_) all[name].workers = members.size();
  for (const auto& [name, parked] : parked_) all[name].parked = parked.size();
  return all;
}

core::MessageRoutes SseRegistry::routes() const {
  core::MessageRoutes routes;
  routes.workers.reserve(size_);
  for (const auto& [name, connections] : groups_) {
    if (connections.empty()) continue;
    routes.groups.push_back(name);
    for (const auto& connection : connections) routes.workers.emplace_back(name, connection->id());
  }
  return routes;
}

bool SseRegistry::first_unattended(std::string_view group) {
  if (groups_.contains(group)) return false;
  return unattended_.emplace(group).second;
}

void SseRegistry::close_all() {
  for (auto& [name, members] : groups_) {
    for (auto& connection : members) connection->close(StreamEnd::shutdown);
  }
}

std::size_t SseRegistry::queued_bytes() const {
  std::size_t bytes = 0;
  for (const auto& [name, members] : groups_) {
    for (const auto& connection : members) bytes += connection->queue().bytes();
  }
  return bytes;
}

}  // namespace resonate::server
