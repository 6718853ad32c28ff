#include "server/background_loops.hpp"

#include "server/delivery.hpp"
#include "server/server_state.hpp"
#include "wire/clock.hpp"

namespace resonate::server {

namespace {

constexpr std::size_t delivery_batch = 100;

}  // namespace

asio::awaitable<void> run_ticker(ServerState& state) {
  while (!state.stopping) {
    state.tick_timer.expires_after(std::chrono::milliseconds(state.ticks.wait(wire::epoch_ms_now())));
    auto [error] = co_await state.tick_timer.async_wait();
    if (state.stopping) break;
    // Cancelled by tick_by: sleep again, until the earlier deadline.
    if (error == asio::error::operation_aborted && !state.ticks.due(wire::epoch_ms_now())) continue;
    state.ticks.start_tick(wire::epoch_ms_now());
    if (state.core.loops_paused()) continue;
    try {
      const auto next = co_await state.on_core(
          [&core = state.core] { return core.tick_until_next_deadline(wire::epoch_ms_now()); });
      state.tick_by(next);
      state.request_delivery();
    } catch (const std::exception& error) {
      // A storage hiccup must not stop the clock: the next tick retries the same due work.
      state.log.error("tick failed", {{"error", error.what()}});
    }
  }
}

asio::awaitable<void> run_delivery_loop(ServerState& state) {
  while (!state.stopping) {
    if (!state.delivery_requested) {
      state.delivery_wakeup.expires_after(state.config.delivery_interval);
      co_await state.delivery_wakeup.async_wait();
    }
    state.delivery_requested = false;
    // Parked messages expire on their deadline, whether or not their group is touched again.
    state.registry.expire_parked(std::chrono::steady_clock::now());
    // On shutdown the outbox keeps what is left: taking it would lose it (at-most-once), and
    // the retry timers re-send execute after the restart.
    if (state.stopping) break;
    if (state.core.loops_paused()) continue;
    try {
      std::vector<wire::OutboxMessage> batch;
      do {
        batch = co_await state.on_core([&core = state.core] { return core.take_messages(delivery_batch); });
        for (const auto& message : batch) deliver(state, message);
      } while (batch.size() == delivery_batch && !state.stopping);
    } catch (const std::exception& error) {
      state.log.error("outbox delivery failed", {{"error", error.what()}});
    }
  }
}

}  // namespace resonate::server
