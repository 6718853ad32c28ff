// The server's two clocks (docs/resonate-protocol.md §1.6, §4.2):
//  - the ticker calls Core::tick(now) when the earliest deadline is due (Core::next_deadline,
//    lowered by ServerState::tick_by when a request writes an earlier one) and at least every
//    tick_interval: promise timeouts and timers settle, leases expire, pending tasks get
//    execute again, schedules fire;
//  - the delivery loop drains the outbox (100 messages at a time) every delivery_interval, and
//    at once when request_delivery() pokes it after a request or a tick. With a store shared by
//    replicas it takes only the messages this server's streams can carry (the others stay for
//    the replica their member is connected to, or expire after park_time);
//  - with a shared store, the feed loop waits on the store's announcements (another replica
//    queued messages) and pokes the delivery loop, unless a batch of requests is running, whose
//    successor's take finds them (Announcements); while the feed is down the delivery loop's
//    own beat still finds every message.
// All skip their work while the core's loops are paused (debug.start) and end on shutdown.
#pragma once

#include <boost/asio/awaitable.hpp>

namespace resonate::server {

struct ServerState;

boost::asio::awaitable<void> run_ticker(ServerState& state);
boost::asio::awaitable<void> run_delivery_loop(ServerState& state);
boost::asio::awaitable<void> run_store_feed(ServerState& state);

}  // namespace resonate::server
