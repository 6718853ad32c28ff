// A thread-safe wake-up call for coroutines. notify() from any thread wakes every coroutine
// waiting at that moment; when none waits, the next wait returns at once.
#pragma once

#include <chrono>
#include <list>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

namespace resonate::sdk {

class Signal : public std::enable_shared_from_this<Signal> {
 public:
  static std::shared_ptr<Signal> create(boost::asio::any_io_executor executor);

  void notify();

  // True when notified, false when `timeout` passed first.
  boost::asio::awaitable<bool> wait_for(std::chrono::milliseconds timeout);

 private:
  struct Waiter {
    explicit Waiter(const boost::asio::strand<boost::asio::any_io_executor>& strand) : timer(strand) {}
    boost::asio::steady_timer timer;
    bool woken = false;
  };

  explicit Signal(boost::asio::any_io_executor executor);
  boost::asio::awaitable<bool> wait_on_strand(std::chrono::milliseconds timeout);

  // Timers are only touched on this strand, whichever thread notifies.
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  bool pending_ = false;        // on strand_
  std::list<Waiter*> waiters_;  // on strand_
};

}  // namespace resonate::sdk
