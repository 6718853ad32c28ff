// Group commit for `POST /`: the requests that arrive while the core thread is busy wait here
// and then go to Core::apply_batch together — one store transaction, one commit, one sync for
// all of them. A request that finds the core idle goes at once, so a quiet server answers as
// fast as before, and a busy one commits as many requests per sync as arrived during the
// previous commit (at most max_batch). Nothing is answered before the commit that holds it,
// and the outbox messages the batch produced are taken in its transaction (Outbox).
//
// Threading: submit() and the bookkeeping run on the I/O thread; the batch runs on the core
// thread, one at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

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
  };

  // The outbox messages a batch takes in its own transaction (core::OutboxTake), so that what
  // it produced goes out without a transaction of its own. Both run on the I/O thread: `take`
  // as a batch starts (nullopt: take nothing), `deliver` once it committed, before the answers
  // are written.
  struct Outbox {
    std::function<std::optional<core::OutboxTake>()> take;
    std::function<void(core::OutboxTake&)> deliver;
  };

  // `core` is used on `core_thread` only.
  RequestBatcher(core::Core& core, boost::asio::any_io_executor io, boost::asio::any_io_executor core_thread,
                 std::size_t max_batch, Outbox outbox);

  boost::asio::awaitable<Answer> submit(std::string body, std::string authorization);

  const Counts& counts() const { return counts_; }
  // A batch runs on the core thread (inside Outbox::deliver: the next batch already began).
  bool busy() const { return in_flight_; }

 private:
  struct Waiting {
    std::string body;
    std::string authorization;
    boost::asio::any_completion_handler<void(Answer)> done;
  };

  // Sends the waiting requests (up to max_batch) to the core thread unless a batch is there.
  void start_batch();
  void finish_batch(std::vector<Waiting> batch, std::vector<core::Reply> replies,
                    std::optional<wire::Millis> new_deadline, std::optional<core::OutboxTake> taken);

  core::Core& core_;
  boost::asio::any_io_executor io_;
  boost::asio::any_io_executor core_thread_;
  std::size_t max_batch_;
  Outbox outbox_;
  std::vector<Waiting> waiting_;
  bool in_flight_ = false;
  Counts counts_;
};

}  // namespace resonate::server
