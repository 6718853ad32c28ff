#include "network/local_network.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include "wire/clock.hpp"

namespace resonate::network {

namespace asio = boost::asio;
namespace json = boost::json;

LocalNetwork::LocalNetwork(asio::any_io_executor executor, std::unique_ptr<core::Store> store,
                           std::chrono::milliseconds tick_interval)
    : executor_(executor),
      clock_(&wire::epoch_ms_now),
      strand_(asio::make_strand(executor)),
      timer_(strand_),
      ticks_(tick_interval.count(), wire::epoch_ms_now()),
      store_(std::move(store)),
      // This process's SDK is the only client and caches its own writes: fences need no preload.
      core_(*store_, core::CoreOptions{.fence_preload = false}) {}

LocalNetwork::LocalNetwork(asio::any_io_executor executor, std::unique_ptr<core::Store> store, ManualTime time)
    : executor_(executor),
      clock_(std::move(time.clock)),
      manual_(true),
      strand_(asio::make_strand(executor)),
      timer_(strand_),
      ticks_(1000, clock_()),
      store_(std::move(store)),
      core_(*store_, core::CoreOptions{.fence_preload = false}) {}

template <typename Operation>
auto LocalNetwork::applied(Operation&& operation) {
  std::vector<wire::OutboxMessage> messages;
  std::optional<wire::Millis> deadline;
  auto answer = [&] {
    std::lock_guard lock(mutex_);
    auto result = operation(core_, clock_());
    messages = core_.take_messages();
    deadline = core_.take_new_deadline();
    return result;
  }();
  if (deadline && !manual_) asio::post(strand_, [self = shared_from_this(), deadline] { self->tick_by(deadline); });
  deliver(messages);
  return answer;
}

asio::awaitable<json::object> LocalNetwork::send(json::object request) {
  co_return applied([&](core::Core& core, wire::Millis now) { return core.apply(now, json::value(std::move(request))); });
}

std::optional<wire::FencedPromise> LocalNetwork::fence_here(const wire::TaskFence& request) {
  return applied([&](core::Core& core, wire::Millis now) { return core.fence(now, request); });
}

void LocalNetwork::start(MessageHandler handler) {
  {
    std::lock_guard lock(mutex_);
    handler_ = std::move(handler);
  }
  if (!manual_) asio::co_spawn(strand_, [self = shared_from_this()] { return self->tick_loop(); }, asio::detached);
}

void LocalNetwork::tick() {
  std::vector<wire::OutboxMessage> messages;
  {
    std::lock_guard lock(mutex_);
    core_.tick(clock_());
    messages = core_.take_messages();
  }
  deliver(messages);
}

std::optional<wire::Millis> LocalNetwork::next_deadline() {
  std::lock_guard lock(mutex_);
  return core_.next_deadline();
}

void LocalNetwork::restore(const std::vector<wire::Promise>& settled) {
  std::lock_guard lock(mutex_);
  auto transaction = store_->begin();
  for (const auto& promise : settled) {
    transaction->put_promise(promise);
    if (promise.has_tag(wire::tag::target)) transaction->put_task(wire::Task{.id = promise.id, .state = wire::TaskState::fulfilled});
  }
  transaction->commit();
}

void LocalNetwork::stop() {
  asio::post(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->timer_.cancel();
  });
}

void LocalNetwork::tick_by(std::optional<wire::Millis> deadline) {
  if (ticks_.lower(deadline)) timer_.cancel();
}

asio::awaitable<void> LocalNetwork::tick_loop() {
  while (!stopped_) {
    timer_.expires_after(std::chrono::milliseconds(ticks_.wait(clock_())));
    // Cancelled by stop() (the loop condition decides) or by tick_by (sleep again, until then).
    auto [error] = co_await timer_.async_wait();
    if (stopped_) break;
    if (error == asio::error::operation_aborted && !ticks_.due(clock_())) continue;
    ticks_.start_tick(clock_());
    std::vector<wire::OutboxMessage> messages;
    std::optional<wire::Millis> next;
    {
      std::lock_guard lock(mutex_);
      if (core_.loops_paused()) continue;  // debug.start: time advances only by debug.tick
      next = core_.tick_until_next_deadline(clock_());
      messages = core_.take_messages();
    }
    tick_by(next);
    deliver(messages);
  }
}

void LocalNetwork::deliver(const std::vector<wire::OutboxMessage>& messages) {
  if (messages.empty()) return;
  MessageHandler handler;
  {
    std::lock_guard lock(mutex_);
    handler = handler_;
  }
  if (!handler) return;
  for (const auto& message : messages) {
    auto parsed = json::parse(message.body);
    if (!parsed.is_object()) continue;
    asio::post(executor_, [handler, body = std::move(parsed.as_object())]() mutable { handler(std::move(body)); });
  }
}

}  // namespace resonate::network
