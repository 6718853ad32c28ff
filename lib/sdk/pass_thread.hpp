// The coroutine threads of an execution pass, and how a pass stops them without exceptions.
//
// A pass runs the durable function, and every step the function spawns, as an Asio awaitable
// thread of its own (co_spawn on the execution's strand). When user code must stop early —
// it awaits a promise that is still pending, or the pass has failed (lost lease, server
// trouble) — its thread is *abandoned*: abandon() starts an operation whose completion
// handler is destroyed without being called, and Asio then destroys every frame of that
// thread on its executor, innermost first. Destructors run (RAII holds) and no catch block
// does, so a `catch (...)` in user code never sees a suspension. The pass learns how each of
// its threads ended from its PassThread.
#pragma once

#include <exception>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "resonate/detail/outcome.hpp"
#include "sdk/signal.hpp"

namespace resonate::detail {

// Ends the calling awaitable thread: it is never resumed, and its frames are destroyed.
boost::asio::awaitable<void> abandon();

// One thread of a pass: it returns its body's outcome, throws, or is abandoned.
class PassThread : public Awaiter {
 public:
  // Starts `body` on `executor` as a thread of its own. `id` is the promise it computes.
  static std::shared_ptr<PassThread> spawn(std::string id, boost::asio::any_io_executor executor,
                                           boost::asio::awaitable<Outcome> body);

  const std::string& id() const override { return id_; }
  // The body's outcome, or its exception rethrown. When the body was abandoned (its pass is
  // ending), the caller is abandoned too: what it waits for will not come in this pass.
  boost::asio::awaitable<Outcome> wait() override;
  // Waits until the body has ended, however it ended; never abandons the caller.
  boost::asio::awaitable<void> finished();
  bool ended() const { return end_ != End::running; }
  // Handle::done inside a durable function must answer the same on every replay, and when a
  // step runs in this pass depends on timing: a step started in this pass is never done in it
  // (on replay its stored checkpoint is, through a settled awaiter).
  boost::asio::awaitable<bool> done() override { co_return false; }
  bool abandoned() const { return end_ == End::abandoned; }

 private:
  enum class End { running, returned, threw, abandoned };
  class Completion;

  PassThread(std::string id, boost::asio::any_io_executor executor);
  void end(End how, std::exception_ptr error, Outcome outcome);

  std::string id_;
  std::shared_ptr<sdk::Signal> signal_;
  // Touched only on the execution's strand, where the body runs and its frames are destroyed.
  End end_ = End::running;
  std::exception_ptr error_;
  Outcome outcome_;
};

}  // namespace resonate::detail
