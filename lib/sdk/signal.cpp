#include "sdk/signal.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace resonate::sdk {

namespace asio = boost::asio;

std::shared_ptr<Signal> Signal::create(asio::any_io_executor executor) {
  return std::shared_ptr<Signal>(new Signal(std::move(executor)));
}

Signal::Signal(asio::any_io_executor executor) : strand_(asio::make_strand(executor)) {}

void Signal::notify() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->waiters_.empty()) {
      self->pending_ = true;
      return;
    }
    for (auto* waiter : self->waiters_) {
      waiter->woken = true;
      waiter->timer.cancel();
    }
  });
}

asio::awaitable<bool> Signal::wait_for(std::chrono::milliseconds timeout) {
  co_return co_await asio::co_spawn(strand_, wait_on_strand(timeout), asio::use_awaitable);
}

asio::awaitable<bool> Signal::wait_on_strand(std::chrono::milliseconds timeout) {
  auto self = shared_from_this();
  if (pending_) {
    pending_ = false;
    co_return true;
  }
  Waiter waiter(strand_);
  waiter.timer.expires_after(timeout);
  auto position = waiters_.insert(waiters_.end(), &waiter);
  boost::system::error_code ignored;
  co_await waiter.timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  waiters_.erase(position);
  co_return waiter.woken;
}

}  // namespace resonate::sdk
