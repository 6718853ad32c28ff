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
    : core_(core),
      io_(std::move(io)),
      core_thread_(std::move(core_thread)),
      max_batch_(std::max<std::size_t>(max_batch, 1)),
      outbox_(std::move(outbox)) {}

asio::awaitable<RequestBatcher::Answer> RequestBatcher::submit(std::string body, std::string authorization) {
  // Named, not a temporary inside co_await: GCC 12 mishandles such closures.
  auto enqueue = [this, &body, &authorization](auto done) {
    waiting_.push_back({std::move(body), std::move(authorization), std::move(done)});
    start_batch();
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(Answer)>(enqueue, asio::use_awaitable);
}

void RequestBatcher::start_batch() {
  if (in_flight_ || waiting_.empty()) return;
  in_flight_ = true;
  const auto count = std::min(waiting_.size(), max_batch_);
  std::vector<Waiting> batch(std::make_move_iterator(waiting_.begin()),
                             std::make_move_iterator(waiting_.begin() + static_cast<std::ptrdiff_t>(count)));
  waiting_.erase(waiting_.begin(), waiting_.begin() + static_cast<std::ptrdiff_t>(count));
  std::optional<core::OutboxTake> take;
  if (outbox_.take) take = outbox_.take();
  asio::post(core_thread_, [this, batch = std::move(batch), take = std::move(take)]() mutable {
    std::vector<core::BatchedRequest> requests;
    requests.reserve(batch.size());
    for (const auto& waiting : batch) requests.push_back({waiting.body, {.authorization = waiting.authorization}});
    // `now` is read on the core thread, when the batch actually runs.
    auto replies = core_.apply_batch(wire::epoch_ms_now(), requests, take ? &*take : nullptr);
    auto new_deadline = core_.take_new_deadline();
    asio::post(io_, [this, batch = std::move(batch), replies = std::move(replies), new_deadline,
                     take = std::move(take)]() mutable {
      finish_batch(std::move(batch), std::move(replies), new_deadline, std::move(take));
    });
  });
}

void RequestBatcher::finish_batch(std::vector<Waiting> batch, std::vector<core::Reply> replies,
                                  std::optional<wire::Millis> new_deadline, std::optional<core::OutboxTake> taken) {
  in_flight_ = false;
  ++counts_.commits;
  counts_.requests += batch.size();
  counts_.largest = std::max(counts_.largest, batch.size());
  // The requests that came meanwhile go to the core before these answers are written.
  start_batch();
  if (taken && outbox_.deliver) outbox_.deliver(*taken);
  for (std::size_t i = 0; i < batch.size(); ++i) std::move(batch[i].done)(Answer{std::move(replies[i]), new_deadline});
}

}  // namespace resonate::server
