#include "server/request_batcher.hpp"

#include <algorithm>
#include <iterator>

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "wire/clock.hpp"

namespace resonate::server {

namespace asio = boost::asio;

RequestBatcher::RequestBatcher(core::Core& core, asio::any_io_executor io, asio::any_io_executor core_thread,
                               std::size_t max_batch, Outbox outbox)
    : io_(std::move(io)),
      lanes_{Lane{&core, std::move(core_thread)}},
      max_batch_(std::max<std::size_t>(max_batch, 1)),
      outbox_(std::move(outbox)),
      stall_timer_(io_) {}

void RequestBatcher::add_lane(core::Core& core, asio::any_io_executor core_thread) {
  lanes_.push_back(Lane{&core, std::move(core_thread)});
}

asio::awaitable<RequestBatcher::Answer> RequestBatcher::submit(std::string body, std::string authorization) {
  // Named, not a temporary inside co_await: GCC 12 mishandles such closures.
  auto enqueue = [this, &body, &authorization](auto done) {
    waiting_.push_back({std::move(body), std::move(authorization), std::move(done)});
    start_batches();
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(Answer)>(enqueue, asio::use_awaitable);
}

void RequestBatcher::start_batches() {
  while (!waiting_.empty()) {
    const auto now = std::chrono::steady_clock::now();
    std::optional<std::size_t> free;
    std::optional<std::chrono::steady_clock::time_point> last_started;
    for (std::size_t lane = 0; lane < lanes_.size(); ++lane) {
      if (!lanes_[lane].busy) {
        if (!free) free = lane;
      } else if (!last_started || lanes_[lane].busy_since > *last_started) {
        last_started = lanes_[lane].busy_since;
      }
    }
    if (!free) return;  // finish_batch starts the next one
    if (last_started && now < *last_started + stall_after) {
      if (stall_check_ != *last_started + stall_after) {
        stall_check_ = *last_started + stall_after;
        stall_timer_.expires_at(stall_check_);
        stall_timer_.async_wait([this](boost::system::error_code error) {
          if (!error) start_batches();
        });
      }
      return;
    }
    if (last_started) ++counts_.takeovers;
    start_batch(*free, now);
  }
}

void RequestBatcher::start_batch(std::size_t lane, std::chrono::steady_clock::time_point now) {
  lanes_[lane].busy = true;
  lanes_[lane].busy_since = now;
  const auto count = std::min(waiting_.size(), max_batch_);
  std::vector<Waiting> batch(std::make_move_iterator(waiting_.begin()),
                             std::make_move_iterator(waiting_.begin() + static_cast<std::ptrdiff_t>(count)));
  waiting_.erase(waiting_.begin(), waiting_.begin() + static_cast<std::ptrdiff_t>(count));
  const auto number = started_++;
  std::optional<core::OutboxTake> take;
  if (outbox_.take) take = outbox_.take(number);
  asio::post(lanes_[lane].thread, [this, lane, number, core = lanes_[lane].core, batch = std::move(batch),
                                   take = std::move(take)]() mutable {
    std::vector<core::BatchedRequest> requests;
    requests.reserve(batch.size());
    for (const auto& waiting : batch) requests.push_back({waiting.body, {.authorization = waiting.authorization}});
    // `now` is read on the core's thread, when the batch actually runs.
    auto replies = core->apply_batch(wire::epoch_ms_now(), requests, take ? &*take : nullptr);
    auto new_deadline = core->take_new_deadline();
    asio::post(io_, [this, lane, number, batch = std::move(batch), replies = std::move(replies), new_deadline,
                     take = std::move(take)]() mutable {
      finish_batch(lane, number, std::move(batch), std::move(replies), new_deadline, std::move(take));
    });
  });
}

void RequestBatcher::finish_batch(std::size_t lane, std::uint64_t number, std::vector<Waiting> batch,
                                  std::vector<core::Reply> replies, std::optional<wire::Millis> new_deadline,
                                  std::optional<core::OutboxTake> taken) {
  lanes_[lane].busy = false;
  ++counts_.commits;
  counts_.requests += batch.size();
  counts_.largest = std::max(counts_.largest, batch.size());
  // The requests that came meanwhile go to the core before these answers are written.
  start_batches();
  if (taken && outbox_.deliver) outbox_.deliver(number, *taken);
  for (std::size_t i = 0; i < batch.size(); ++i) std::move(batch[i].done)(Answer{std::move(replies[i]), new_deadline});
}

}  // namespace resonate::server
