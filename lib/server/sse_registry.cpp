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
                         std::size_t park_capacity)
    : max_connections_(max_connections),
      queue_capacity_(queue_capacity),
      park_time_(park_time),
      park_capacity_(park_capacity) {}

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
  auto& parked = parked_[address.group];
  const auto now = std::chrono::steady_clock::now();
  std::erase_if(parked, [&](const auto& entry) { return entry.second.until <= now; });
  if (parked.size() >= park_capacity_ && !parked.contains(key)) return false;
  parked.insert_or_assign(std::move(key), Parked{address, std::move(payload), now + park_time_});
  return true;
}

void SseRegistry::hand_parked(SseConnection& connection) {
  const auto group = parked_.find(connection.group());
  if (group == parked_.end()) return;
  const auto now = std::chrono::steady_clock::now();
  auto& parked = group->second;
  for (auto entry = parked.begin(); entry != parked.end();) {
    const auto& address = entry->second.address;
    // Unicast waits for its own worker; anycast goes to whoever of the group comes first.
    const bool takes = address.cast == wire::PollAddress::Cast::any || address.id == connection.id();
    if (entry->second.until <= now || (takes && connection.push(std::move(entry->second.payload)))) {
      entry = parked.erase(entry);
    } else {
      ++entry;
    }
  }
  if (parked.empty()) parked_.erase(group);
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
