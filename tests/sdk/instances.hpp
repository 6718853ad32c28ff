// Resonate instances for the SDK's remote tests, on an io_context run by a background thread:
// `remote`/`local` create them (stopped again when the Instances end), and `run` executes a
// coroutine on that io_context and waits for its result (or rethrows its exception), failing
// the test when it does not finish in time: a hang is a failure, not a stuck test.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <thread>

#include <doctest/doctest.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "resonate/resonate.hpp"

namespace resonate::test_support {

class Instances {
 public:
  Instances() : thread_([this] { io_.run(); }) {}
  ~Instances() {
    for (auto& instance : instances_) instance.stop();
    instances_.clear();
    work_.reset();
    io_.stop();
    thread_.join();
  }
  Instances(const Instances&) = delete;
  Instances& operator=(const Instances&) = delete;

  Resonate& remote(RemoteConfig config) {
    return instances_.emplace_back(Resonate::remote(io_.get_executor(), std::move(config)));
  }

  boost::asio::any_io_executor executor() { return io_.get_executor(); }

  template <class T>
  T run(std::function<boost::asio::awaitable<T>()> body, std::chrono::seconds limit = std::chrono::seconds(60)) {
    // The function itself, not its awaitable: co_spawn keeps it (and what a lambda captured)
    // alive until the coroutine ends, even when the wait below gives up first.
    auto future = boost::asio::co_spawn(io_, std::move(body), boost::asio::use_future);
    REQUIRE_MESSAGE(future.wait_for(limit) == std::future_status::ready, "the coroutine did not finish in time");
    return future.get();
  }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ = boost::asio::make_work_guard(io_);
  std::thread thread_;
  std::deque<Resonate> instances_;  // stable references
};

}  // namespace resonate::test_support
