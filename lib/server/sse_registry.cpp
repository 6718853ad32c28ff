#include "server/sse_registry.hpp"

#include <algorithm>


namespace resonate::server {

namespace asio = boost::asio;

SseConnection::SseConnection(std::string group, std::string id, std::size_t capacity, asio::any_io_executor executor)
    : group_(std::move(group)), id_(std::move(id)), capacity_(capacity), wakeup_(std::move(executor)) {}

bool SseConnection::push(std::string payload) {
  if (closed_ || queue_.size() >= capacity_) return false;
  queue_.push_back(std::move(payload));
  wakeup_.cancel();
  return true;
}

std::deque<std::string> SseConnection::take_all() { return std::exchange(queue_, {}); }

asio::awaitable<bool> SseConnection::wait(std::chrono::milliseconds idle) {
  // The writer checks the queue before waiting and everything runs on one thread, so a push
  // cannot slip in between that check and this wait unnoticed.
  if (closed_ || !queue_.empty()) co_return true;
  wakeup_.expires_after(idle);
  auto [error] = co_await wakeup_.async_wait();
  co_return error == asio::error::operation_aborted || closed_ || !queue_.empty();
}

void SseConnection::close() {
  closed_ = true;
  wakeup_.cancel();
}

SseRegistry::SseRegistry(std::size_t max_connections, std::size_t queue_capacity, std::chrono::milliseconds park_time,
                         std::size_t park_capacity, std::size_t max_parked_bytes)
    : max_connections_(max_connections),
      queue_capacity_(queue_capacity),
      park_time_(park_time),
      park_capacity_(park_capacity),
      max_parked_bytes_(max_parked_bytes) {}

std::shared_ptr<SseConnection> SseRegistry::connect(std::string group, std::string id, asio::any_io_executor executor) {
  if (size_ >= max_connections_) return nullptr;
  auto connection = std::make_shared<SseConnection>(group, std::move(id), queue_capacity_, std::move(executor));
  if (auto warned = unattended_.find(group); warned != unattended_.end()) unattended_.erase(warned);
  groups_[std::move(group)].push_back(connection);
  ++size_;
  hand_parked(*connection);
  return connection;
}

void SseRegistry::disconnect(const std::shared_ptr<SseConnection>& connection) {
  const auto group = groups_.find(connection->group());
  if (group == groups_.end()) return;
  auto& members = group->second;
  const auto found = std::find(members.begin(), members.end(), connection);
  if (found == members.end()) return;
  members.erase(found);
  --size_;
  if (members.empty()) groups_.erase(group);
}

std::shared_ptr<SseConnection> SseRegistry::pick(const wire::PollAddress& address) {
  const auto group = groups_.find(address.group);
  if (group == groups_.end()) return nullptr;
  // A closed stream (client gone, writer not yet resumed to unregister it) takes nothing.
  std::vector<std::shared_ptr<SseConnection>> open;
  for (const auto& connection : group->second) {
    if (connection->closed()) continue;
    if (!address.id.empty() && connection->id() == address.id) return connection;  // first registered
    open.push_back(connection);
  }
  // Unicast needs its named worker; anycast falls back to any member of the group.
  if (address.cast == wire::PollAddress::Cast::uni || open.empty()) return nullptr;
  std::uniform_int_distribution<std::size_t> any(0, open.size() - 1);
  return open[any(random_)];
}

SseRegistry::Delivery SseRegistry::deliver(const wire::PollAddress& address, std::string key,
                                           std::string payload) {
  auto connection = pick(address);
  if (!connection) {
    return park(address, std::move(key), std::move(payload)) ? Delivery::parked : Delivery::no_connection;
  }
  return connection->push(std::move(payload)) ? Delivery::queued : Delivery::queue_full;
}

bool SseRegistry::park(const wire::PollAddress& address, std::string key, std::string payload) {
  const auto now = std::chrono::steady_clock::now();
  expire_parked(now);
  if (payload.size() > max_parked_bytes_) return false;
  if (auto group = parked_.find(address.group); group != parked_.end()) {
    if (auto older = group->second.find(key); older != group->second.end()) {
      unpark(group, older);  // a newer message with the same key replaces it
    } else if (group->second.size() >= park_capacity_) {
      return false;
    }
  }
  // Over the byte cap the oldest parked messages (of any group) make room.
  while (parked_bytes_ + payload.size() > max_parked_bytes_ && !expiry_.empty()) {
    const auto& [group_name, oldest_key] = expiry_.begin()->second;
    auto group = parked_.find(group_name);
    unpark(group, group->second.find(oldest_key));
    ++evicted_;
  }
  const ExpiryKey expiry{now + park_time_, park_serial_++};
  expiry_.emplace(expiry, std::pair{address.group, key});
  parked_bytes_ += payload.size();
  parked_[address.group].emplace(std::move(key), Parked{address, std::move(payload), expiry});
  return true;
}

void SseRegistry::unpark(std::map<std::string, GroupParked, std::less<>>::iterator group, GroupParked::iterator entry) {
  parked_bytes_ -= entry->second.payload.size();
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

void SseRegistry::hand_parked(SseConnection& connection) {
  expire_parked(std::chrono::steady_clock::now());
  const auto group = parked_.find(connection.group());
  if (group == parked_.end()) return;
  // Unicast waits for its own worker; anycast goes to whoever of the group comes first.
  std::vector<std::string> handed;
  for (auto& [key, entry] : group->second) {
    const bool takes = entry.address.cast == wire::PollAddress::Cast::any || entry.address.id == connection.id();
    if (takes && connection.push(entry.payload)) handed.push_back(key);
  }
  for (const auto& key : handed) {
    auto current = parked_.find(connection.group());
    unpark(current, current->second.find(key));
  }
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

bool SseRegistry::first_unattended(std::string_view group) {
  if (groups_.contains(group)) return false;
  return unattended_.emplace(group).second;
}

void SseRegistry::close_all() {
  for (auto& [name, members] : groups_) {
    for (auto& connection : members) connection->close();
  }
}

}  // namespace resonate::server
