#include "server/background_loops.hpp"

#include <unistd.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>

#include "server/delivery.hpp"
#include "server/server_state.hpp"
#include "wire/clock.hpp"

namespace resonate::server {

namespace {

constexpr wire::Millis expiry_interval = 1000;

// What this server's streams can carry; messages that waited too long for any replica are
// looked for once a second.
core::MessageRoutes local_routes(ServerState& state) {
  auto routes = state.registry.routes();
  const auto now = wire::epoch_ms_now();
  if (now - state.outbox_expired_at >= expiry_interval) {
    routes.max_wait = state.config.park_time.count();
    state.outbox_expired_at = now;
  }
  return routes;
}

asio::awaitable<void> deliver_shared_outbox(ServerState& state) {
  const auto mark = state.announcements.delivery_began();
  core::TakenMessages taken;
  do {
    // A named local captured by reference: g++ 12 destroys a co_await operand's non-trivial
    // temporaries twice.
    const auto routes = local_routes(state);
    taken = co_await state.on_core(
        [&core = state.core, &routes] { return core.take_messages_for(routes, delivery_batch); });
    if (taken.expired > 0) {
      state.log.warn("messages dropped: no member of their group connected to any replica in time; retry timers "
                     "send executes again",
                     {{"dropped", taken.expired}, {"waited_ms", state.config.park_time.count()}});
      state.metrics.count_delivery("poll", "expired", taken.expired);
    }
    state.metrics.count_outbox_take(!taken.messages.empty());
    for (const auto& message : taken.messages) deliver(state, message);
  } while (taken.messages.size() == delivery_batch && !state.stopping);
  if (taken.messages.size() < delivery_batch) state.announcements.delivery_drained(mark);
}

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
      auto next = co_await state.on_core(
          [&core = state.core] { return core.tick_until_next_deadline(wire::epoch_ms_now()); });
      // A deadline still past after the tick: its entries are held by another replica's
      // transaction (a claim skips them), or the tick's bound left more. Look again in a
      // millisecond, not in a loop.
      if (next) next = std::max(*next, wire::epoch_ms_now() + 1);
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
      if (state.shared_store) {
        co_await deliver_shared_outbox(state);
      } else {
        std::vector<wire::OutboxMessage> batch;
        do {
          batch = co_await state.on_core([&core = state.core] { return core.take_messages(delivery_batch); });
          for (const auto& message : batch) deliver(state, message);
        } while (batch.size() == delivery_batch && !state.stopping);
      }
    } catch (const std::exception& error) {
      state.log.error("outbox delivery failed", {{"error", error.what()}});
    }
  }
}

asio::awaitable<void> run_store_feed(ServerState& state) {
  std::size_t failures = 0;
  while (!state.stopping) {
    std::unique_ptr<core::StoreFeed> feed;
    std::string failure;
    try {
      feed = co_await state.on_core([&store = state.core.store()] { return store.feed(); });
      // A descriptor of its own: the feed closes its socket, the Descriptor closes the copy.
      // (Out of descriptors, this throws: the loop tries again, as for a lost connection.)
      if (feed) state.feed_socket.emplace(state.io, ::dup(feed->descriptor()));
    } catch (const std::exception& error) {
      failure = error.what();
      feed.reset();
    }
    if (feed) {
      if (failures > 0) state.log.info("store announcements back", {{"after_failures", failures}});
      failures = 0;
      // What the other replicas announced while the feed was down.
      state.request_delivery();
      while (!state.stopping) {
        auto [error] = co_await state.feed_socket->async_wait(asio::posix::stream_descriptor::wait_read);
        if (state.stopping) break;
        try {
          if (error) throw std::runtime_error(error.message());
          // Only messages this server's streams can carry are worth a take.
          const auto carriers = feed->drain();
          const auto routes = state.registry.routes();
          if (std::any_of(carriers.begin(), carriers.end(), [&routes](const std::string& carrier) {
                return core::Carrier::read(carrier).admitted_by(routes);
              })) {
            state.announced();
          }
        } catch (const std::exception& lost) {
          failure = lost.what();
          break;
        }
      }
      state.feed_socket.reset();
    }
    if (state.stopping) break;
    if (failures++ == 0) {
      state.log.warn("store announcements lost: messages from other replicas arrive at the delivery beat until "
                     "they are back",
                     {{"error", failure}, {"beat_ms", state.config.delivery_interval.count()}});
    }
    state.feed_retry.expires_after(std::chrono::seconds(1));
    co_await state.feed_retry.async_wait();
  }
}

}  // namespace resonate::server
