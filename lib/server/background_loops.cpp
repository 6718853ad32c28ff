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
    state.tick_timer.expires_after(state.config.tick_interval);
    co_await state.tick_timer.async_wait();
    if (state.stopping) break;
    if (state.core.loops_paused()) continue;
    try {
      co_await state.on_core([&core = state.core] { core.tick(wire::epoch_ms_now()); });
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
