// Handle<R>: a durable promise whose result arrives later.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include <boost/asio/awaitable.hpp>

#include "resonate/detail/outcome.hpp"

namespace resonate {

// Returned by `.spawn()` of a call and by Resonate::get, Context::spawn_run,
// Context::spawn_rpc and Context::promise. Copyable; every copy refers to the same promise.
//
// `co_await handle.result()` yields the value, or throws ExecutionError / CanceledError /
// TimedOutError. Inside a workflow, awaiting a result that is not there yet suspends the
// workflow durably; it continues (possibly in another process) once the promise settles.
template <class R>
class Handle {
 public:
  // An empty handle, to be assigned later; only assignment and destruction are valid.
  Handle() = default;
  explicit Handle(std::shared_ptr<detail::Awaiter> awaiter) : awaiter_(std::move(awaiter)) {}

  // The promise id: for Context::promise, the id an outside party settles.
  const std::string& id() const { return awaiter_->id(); }

  boost::asio::awaitable<R> result() const {
    auto awaiter = awaiter_;
    auto outcome = co_await awaiter->wait();
    co_return detail::unwrap<R>(outcome);
  }

  // Whether the promise is settled, without waiting: `result()` would not wait. A client
  // asks the server; inside a durable function the answer is what this pass knows (a child
  // that was pending when this pass reached it stays "not done" until the next pass), so it is
  // the same on every replay.
  boost::asio::awaitable<bool> done() const {
    auto awaiter = awaiter_;
    co_return co_await awaiter->done();
  }

 private:
  std::shared_ptr<detail::Awaiter> awaiter_;
};

}  // namespace resonate
