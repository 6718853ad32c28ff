// Group commit for `POST /`: the requests that arrive while the core thread is busy wait here
// and then go to Core::apply_batch together — one store transaction, one commit, one sync for
// all of them. A request that finds the core idle goes at once, so a quiet server answers as
// fast as before, and a busy one commits as many requests per sync as arrived during the
// previous commit (at most max_batch). Nothing is answered before the commit that holds it,
// and the outbox messages the batch produced are taken in its transaction (Outbox).
//
// With a shared store (PostgreSQL) a server may have several cores, each with a connection and
// a thread of its own (add_lane). They take over when a batch stalls: once every busy core has
// held its batch for stall_after (a row another transaction holds, a slow statement), the
// waiting requests go to a free core, the transactions running at once as two servers' would.
// Before that the waiting requests stay together for the next free core: group commit's
// batches grow with the load, and splitting them would only make more, smaller transactions
// (measured: no more invocations per second on 2 cores, twice the commits).
//
// Threading: submit() and the bookkeeping run on the I/O thread; a batch runs on its core's
// thread, one at a time per core.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/core.hpp"

namespace resonate::server {

class RequestBatcher {
 public:
  struct Answer {
    core::Reply reply;
    // The earliest deadline the batch wrote (Core::take_new_deadline), for the ticker.
    std::optional<wire::Millis> new_deadline;
  };

  // What the batcher has done so far, for /metrics.
  struct Counts {
    std::uint64_t commits = 0;    // batches applied (each one transaction)
    std::uint64_t requests = 0;   // requests in them
    std::size_t largest = 0;      // the most requests one batch held
    std::uint64_t takeovers = 0;  // batches begun on another core while every busy one stalled
  };

  // The outbox messages a batch takes in its own transaction (core::OutboxTake), so that what
  // it produced goes out without a transaction of its own. Both run on the I/O thread: `take`
  // as a batch starts (nullopt: take nothing), `deliver` once it committed, before the answers
  // are written. `batch` numbers the batches in the order they start.
  struct Outbox {
    std::function<std::optional<core::OutboxTake>(std::uint64_t batch)> take;
    std::function<void(std::uint64_t batch, core::OutboxTake&)> deliver;
  };

  // `core` is used on `core_thread` only.
  RequestBatcher(core::Core& core, boost::asio::any_io_executor io, boost::asio::any_io_executor core_thread,
                 std::size_t max_batch, Outbox outbox);

  // Another core (on another connection to the same shared store), used on `core_thread` only,
  // that runs batches beside the others.
  void add_lane(core::Core& core, boost::asio::any_io_executor core_thread);

  boost::asio::awaitable<Answer> submit(std::string body, std::string authorization);

  const Counts& counts() const { return counts_; }

  // How long a batch runs before the waiting requests may go to another core.
  static constexpr std::chrono::milliseconds stall_after{10};

 private:
  struct Waiting {
    std::string body;
    std::string authorization;
    boost::asio::any_completion_handler<void(Answer)> done;
  };

  struct Lane {
    core::Core* core;
    boost::asio::any_io_executor thread;
    bool busy = false;
    std::chrono::steady_clock::time_point busy_since{};
  };

  // Sends the waiting requests, up to max_batch at a time, to a core that has no batch: at
  // once when no core has one, else once every busy core stalled (stall_after; a timer wakes
  // this then).
  void start_batches();
  void start_batch(std::size_t lane, std::chrono::steady_clock::time_point now);
  void finish_batch(std::size_t lane, std::uint64_t number, std::vector<Waiting> batch,
                    std::vector<core::Reply> replies, std::optional<wire::Millis> new_deadline,
                    std::optional<core::OutboxTake> taken);

  boost::asio::any_io_executor io_;
  std::vector<Lane> lanes_;
  std::size_t max_batch_;
  Outbox outbox_;
  std::vector<Waiting> waiting_;
  std::uint64_t started_ = 0;  // batches started: the next one's number
  boost::asio::steady_timer stall_timer_;
  std::chrono::steady_clock::time_point stall_check_{};  // when stall_timer_ is set to expire
  Counts counts_;
};

}  // namespace resonate::server
