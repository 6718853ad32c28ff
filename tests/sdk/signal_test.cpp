#include <doctest/doctest.h>

#include <chrono>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "sdk/signal.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;

TEST_CASE("a signal wakes its waiter, and a timeout ends the wait without one") {
  asio::io_context io;
  auto signal = resonate::sdk::Signal::create(io.get_executor());
  bool timed_out_result = true;
  bool notified_result = false;
  auto started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration timed_out_after{};
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        timed_out_result = co_await signal->wait_for(20ms);
        timed_out_after = std::chrono::steady_clock::now() - started;
        signal->notify();  // kept until the next wait
        notified_result = co_await signal->wait_for(10s);
      },
      asio::detached);
  io.run_for(5s);
  CHECK_FALSE(timed_out_result);
  CHECK(timed_out_after >= 20ms);
  CHECK(timed_out_after < 2s);
  CHECK(notified_result);
}

TEST_CASE("one notification wakes every waiter") {
  asio::io_context io;
  auto signal = resonate::sdk::Signal::create(io.get_executor());
  int woken = 0;
  auto waiter = [&]() -> asio::awaitable<void> {
    if (co_await signal->wait_for(10s)) ++woken;
  };
  asio::co_spawn(io, waiter(), asio::detached);
  asio::co_spawn(io, waiter(), asio::detached);
  // Registration is not observable from outside: give both waiters a moment to register.
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer settle(io, 20ms);
        co_await settle.async_wait(asio::use_awaitable);
        signal->notify();
      },
      asio::detached);
  io.run_for(5s);
  CHECK(woken == 2);
}
