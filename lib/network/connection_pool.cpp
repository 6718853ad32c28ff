#include "network/connection_pool.hpp"

#include <algorithm>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "resonate/errors.hpp"

namespace resonate::network {

namespace asio = boost::asio;

// A request queued for a place. The channel (one slot) carries what it is handed, so a hand-over
// that happens before the request starts to wait is not lost; the deadline gives up the wait.
struct ConnectionPool::Waiter {
  explicit Waiter(const asio::any_io_executor& executor) : channel(executor, 1), deadline(executor) {}
  asio::experimental::concurrent_channel<void(boost::system::error_code, Grant)> channel;
  asio::steady_timer deadline;
};

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)), connection_(std::move(other.connection_)), kept_(other.kept_) {
  other.connection_.reset();
}

ConnectionPool::Lease::~Lease() {
  if (!pool_) return;
  if (connection_ && kept_) {
    // An idle connection has no deadline; the next request sets one.
    connection_->tcp().expires_never();
    pool_->hand_on(std::move(connection_));
    return;
  }
  discard();
  pool_->hand_on(std::nullopt);
}

asio::awaitable<ConnectionPool::Lease> ConnectionPool::acquire(std::chrono::milliseconds timeout) {
  const auto executor = co_await asio::this_coro::executor;
  std::shared_ptr<Waiter> waiter;
  {
    std::unique_lock lock(mutex_);
    if (!idle_.empty()) {
      // The most recently returned one: the likeliest to be still open.
      Grant idle(std::move(idle_.back()));
      idle_.pop_back();
      lock.unlock();
      co_return Lease(*this, std::move(idle));
    }
    if (open_ < max_connections_) {
      ++open_;
      lock.unlock();
      co_return Lease(*this, std::nullopt);
    }
    waiter = std::make_shared<Waiter>(executor);
    waiters_.push_back(waiter);
  }
  waiter->deadline.expires_after(timeout);
  waiter->deadline.async_wait([this, waiter](const boost::system::error_code& error) {
    if (!error) give_up(waiter, true);
  });
  // Should this coroutine be destroyed while it waits (its io_context goes away), the place it
  // may have been handed is passed on.
  struct Abandon {
    ConnectionPool* pool;
    std::shared_ptr<Waiter> waiter;
    ~Abandon() {
      if (pool) pool->give_up(waiter, false);
    }
  } abandon{this, waiter};
  auto [error, grant] = co_await waiter->channel.async_receive(asio::as_tuple(asio::use_awaitable));
  abandon.pool = nullptr;
  waiter->deadline.cancel();
  if (error) {
    throw PlatformError("no connection to the server came free within " + std::to_string(timeout.count()) +
                        " ms: all " + std::to_string(max_connections_) +
                        " are busy (RemoteConfig::max_connections, request_timeout)");
  }
  co_return Lease(*this, std::move(grant));
}

void ConnectionPool::hand_on(Grant grant) {
  std::shared_ptr<Waiter> next;
  {
    std::lock_guard lock(mutex_);
    if (waiters_.empty()) {
      if (grant) {
        idle_.push_back(std::move(*grant));
      } else {
        --open_;
      }
      return;
    }
    next = std::move(waiters_.front());
    waiters_.pop_front();
  }
  next->channel.try_send(boost::system::error_code(), std::move(grant));
}

void ConnectionPool::give_up(const std::shared_ptr<Waiter>& waiter, bool timed_out) {
  {
    std::lock_guard lock(mutex_);
    const auto queued = std::find(waiters_.begin(), waiters_.end(), waiter);
    if (queued != waiters_.end()) {
      waiters_.erase(queued);
      if (timed_out) waiter->channel.try_send(asio::error::timed_out, std::nullopt);
      return;
    }
  }
  // Handed a place already. A timed-out waiter takes it (it is about to resume with it); a
  // request that is gone passes it on.
  if (timed_out) return;
  waiter->channel.try_receive([this](boost::system::error_code, Grant grant) { hand_on(std::move(grant)); });
}

void ConnectionPool::clear() {
  std::vector<Connection> closing;
  {
    std::lock_guard lock(mutex_);
    closing.swap(idle_);
  }
  for (auto& connection : closing) {
    connection.close();
    hand_on(std::nullopt);
  }
}

}  // namespace resonate::network
