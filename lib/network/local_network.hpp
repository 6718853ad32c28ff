// LocalNetwork: the protocol core and a store inside this process (embedded mode).
//
// Requests are applied to the core directly. A timer ticks the core (timeouts, durable
// timers, lease expiry, redelivery) when its earliest deadline is due, and at least every
// tick_interval; every message the core emits is handed to this process whatever its address:
// in embedded mode this process is every worker of every group.
//
// With a manual clock (the test kit) there is no timer: time moves only when the test moves
// it, and the test calls tick() once it has.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>

#include "core/core.hpp"
#include "core/store.hpp"
#include "core/tick_schedule.hpp"
#include "network/awaitable_io.hpp"
#include "network/network.hpp"
#include "wire/clock.hpp"

namespace resonate::network {

class LocalNetwork : public Network, public std::enable_shared_from_this<LocalNetwork> {
 public:
  struct ManualTime {
    wire::Clock clock;  // read for every request and tick; nothing ticks but tick()
  };
  LocalNetwork(boost::asio::any_io_executor executor, std::unique_ptr<core::Store> store,
               std::chrono::milliseconds tick_interval);
  LocalNetwork(boost::asio::any_io_executor executor, std::unique_ptr<core::Store> store, ManualTime time);

  boost::asio::awaitable<boost::json::object> send(boost::json::object request) override;
  std::optional<wire::FencedPromise> fence_here(const wire::TaskFence& request) override;
  void start(MessageHandler handler) override;
  void stop() override;

  // Manual time: fires what is due at the clock's time and delivers the messages it made.
  void tick();
  // The earliest stored deadline (timer, timeout, lease, schedule), if any.
  std::optional<wire::Millis> next_deadline();
  // Writes records as they are (a recorded history: settled promises, with their tasks done),
  // bypassing the protocol; the test kit's history replay.
  void restore(const std::vector<wire::Promise>& settled);

 private:
  boost::asio::awaitable<void> tick_loop();
  void deliver(const std::vector<wire::OutboxMessage>& messages);
  // Runs `operation(core, now)` under the core's lock, then wakes the tick loop for the deadline
  // it wrote and delivers the messages it made; returns what the operation returned.
  template <typename Operation>
  auto applied(Operation&& operation);
  // Wakes the tick loop by `deadline` when that is earlier than it planned (on strand_).
  void tick_by(std::optional<wire::Millis> deadline);

  boost::asio::any_io_executor executor_;
  wire::Clock clock_;
  bool manual_ = false;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  Timer timer_;
  core::TickSchedule ticks_;  // on strand_
  std::unique_ptr<core::Store> store_;
  std::mutex mutex_;  // guards core_ and handler_
  core::Core core_;
  MessageHandler handler_;
  bool stopped_ = false;  // on strand_
};

}  // namespace resonate::network
