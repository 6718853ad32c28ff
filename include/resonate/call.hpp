// Call<R>: a call of a registered function, configured fluently, then awaited or spawned.
//
//   int n = co_await resonate.rpc<int>("job-1", "count", "text").target("workers");
//   auto handle = co_await resonate.rpc<int>("job-2", "count", "more").timeout(5min).spawn();
//   int m = co_await handle.result();
//
// A Call is an asio::awaitable<R> that has not started yet: the options set on it are read
// when it is first awaited.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include <boost/asio/awaitable.hpp>

#include "resonate/detail/engine.hpp"
#include "resonate/handle.hpp"
#include "resonate/options.hpp"

namespace resonate {

template <class R>
class Call : public boost::asio::awaitable<R> {
 public:
  Call(std::shared_ptr<detail::Caller> caller, detail::CallSpec spec)
      : Call(std::move(caller), std::make_shared<detail::CallSpec>(std::move(spec))) {}

  // An address ("poll://any@workers") or a group name ("workers").
  Call& target(std::string target) & { spec_->options.target = std::move(target); return *this; }
  Call&& target(std::string target) && { return std::move(this->target(std::move(target))); }
  Call& timeout(std::chrono::milliseconds timeout) & { spec_->options.timeout = timeout; return *this; }
  Call&& timeout(std::chrono::milliseconds timeout) && { return std::move(this->timeout(timeout)); }
  Call& tags(Tags tags) & { spec_->options.tags = std::move(tags); return *this; }
  Call&& tags(Tags tags) && { return std::move(this->tags(std::move(tags))); }
  Call& version(int version) & { spec_->options.version = version; return *this; }
  Call&& version(int version) && { return std::move(this->version(version)); }
  // The worker that executes the function retries it by `policy` when it throws.
  Call& retry(RetryPolicy policy) & { spec_->options.retry = policy; return *this; }
  Call&& retry(RetryPolicy policy) && { return std::move(this->retry(policy)); }

  // The promise id of the call.
  const std::string& id() const { return spec_->id; }

  // Creates the promise and returns without waiting for the result.
  boost::asio::awaitable<Handle<R>> spawn() const { return spawn(caller_, spec_); }

 private:
  Call(std::shared_ptr<detail::Caller> caller, std::shared_ptr<detail::CallSpec> spec)
      : boost::asio::awaitable<R>(result(caller, spec)), caller_(std::move(caller)), spec_(std::move(spec)) {}

  static boost::asio::awaitable<Handle<R>> spawn(std::shared_ptr<detail::Caller> caller,
                                                 std::shared_ptr<detail::CallSpec> spec) {
    auto awaiter = co_await caller->start(*spec);
    co_return Handle<R>(std::move(awaiter));
  }
  static boost::asio::awaitable<R> result(std::shared_ptr<detail::Caller> caller,
                                          std::shared_ptr<detail::CallSpec> spec) {
    auto awaiter = co_await caller->start(*spec);
    auto outcome = co_await awaiter->wait();
    co_return detail::unwrap<R>(outcome);
  }

  std::shared_ptr<detail::Caller> caller_;
  std::shared_ptr<detail::CallSpec> spec_;
};

}  // namespace resonate
