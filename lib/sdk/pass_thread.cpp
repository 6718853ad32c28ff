#include "sdk/pass_thread.hpp"

#include <chrono>
#include <utility>

#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace resonate::detail {

namespace asio = boost::asio;

asio::awaitable<void> abandon() {
  co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
      [](auto handler) {
        // The handler owns the waiting thread; it goes out of scope here uninvoked, and Asio
        // posts the destruction of the thread's frames to its executor.
        (void)handler;
      },
      asio::use_awaitable);
}

// The completion handler of a thread's co_spawn. Invoked: the body returned or threw.
// Destroyed uninvoked: the body's frames were destroyed, so the thread was abandoned.
class PassThread::Completion {
 public:
  explicit Completion(std::shared_ptr<PassThread> thread) : thread_(std::move(thread)) {}
  Completion(Completion&& other) noexcept : thread_(std::move(other.thread_)) {}
  Completion& operator=(Completion&&) = delete;
  ~Completion() {
    if (thread_) thread_->end(End::abandoned, nullptr, Outcome{});
  }

  void operator()(std::exception_ptr error, Outcome outcome) {
    auto thread = std::move(thread_);
    thread->end(error ? End::threw : End::returned, std::move(error), std::move(outcome));
  }

 private:
  std::shared_ptr<PassThread> thread_;
};

PassThread::PassThread(std::string id, asio::any_io_executor executor)
    : id_(std::move(id)), signal_(sdk::Signal::create(std::move(executor))) {}

std::shared_ptr<PassThread> PassThread::spawn(std::string id, asio::any_io_executor executor,
                                              asio::awaitable<Outcome> body) {
  auto thread = std::shared_ptr<PassThread>(new PassThread(std::move(id), executor));
  asio::co_spawn(executor, std::move(body), Completion(thread));
  return thread;
}

void PassThread::end(End how, std::exception_ptr error, Outcome outcome) {
  end_ = how;
  error_ = std::move(error);
  outcome_ = std::move(outcome);
  signal_->notify();
}

asio::awaitable<void> PassThread::finished() {
  while (!ended()) co_await signal_->wait_for(std::chrono::hours(24));
}

asio::awaitable<Outcome> PassThread::wait() {
  co_await finished();
  if (end_ == End::abandoned) co_await abandon();
  if (error_) std::rethrow_exception(error_);
  co_return outcome_;
}

}  // namespace resonate::detail
