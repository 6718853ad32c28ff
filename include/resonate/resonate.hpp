// Resonate: durable functions for C++20 coroutines.
//
//   asio::io_context io;
//   auto resonate = resonate::Resonate::local(io.get_executor());
//   resonate.register_function("greet", [](resonate::Context& ctx, std::string name)
//                                           -> asio::awaitable<std::string> {
//     co_await ctx.sleep(std::chrono::seconds(1));
//     co_return "hello " + name;
//   });
//   asio::co_spawn(io, [&]() -> asio::awaitable<void> {
//     std::string s = co_await resonate.run<std::string>("greet-1", "greet", "world");
//     resonate.stop();
//   }, asio::detached);
//   io.run();
//
// A Resonate is a client (run, rpc, get) and a worker (it executes the functions registered
// with it when the server asks). Everything runs on the executor it is given; the
// io_context may run on several threads.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "resonate/call.hpp"
#include "resonate/codec.hpp"
#include "resonate/context.hpp"
#include "resonate/detail/diagnostics.hpp"
#include "resonate/detail/function.hpp"
#include "resonate/errors.hpp"
#include "resonate/function.hpp"
#include "resonate/handle.hpp"
#include "resonate/options.hpp"
#include "resonate/promises.hpp"
#include "resonate/schedules.hpp"
#include "resonate/when_all.hpp"

namespace resonate {

namespace detail {
class Runtime;
}
namespace testing {
class Environment;
}

class Resonate {
 public:
  // Embedded mode: the protocol core and its store live in this process; no server.
  static Resonate local(boost::asio::any_io_executor executor, LocalConfig config = {});
  // Client/worker of a resonate-server (RESONATE_URL / RESONATE_TOKEN fill empty fields).
  static Resonate remote(boost::asio::any_io_executor executor, RemoteConfig config = {});

  // Makes `fn` callable by name from any process, and returns its typed handle
  // (resonate/function.hpp). Throws Error when (name, version) is taken.
  template <class F>
  auto register_function(std::string name, F fn, int version = 1) {
    if constexpr (detail::check_registered<F>()) {
      add_function(name, version, detail::make_invoker(std::move(fn)));
      return detail::function_handle_t<F>(std::move(name), version, caller());
    }
  }

  // Executes function `func` under promise `id`, in this process (the function must be
  // registered here). If `id` exists already, attaches to that execution instead: a
  // durable function runs once per id.
  template <class R, class... A>
  Call<R> run(std::string id, std::string func, A&&... args) {
    [[maybe_unused]] constexpr bool checked = detail::check_call<R, A...>();
    return Call<R>(caller(), {std::move(id), std::move(func), detail::encode_args(args...), Options{}, true});
  }

  // Has function `func` executed under promise `id` by a worker of the call's target group.
  // When no worker of that group is connected, the call waits for one.
  template <class R, class... A>
  Call<R> rpc(std::string id, std::string func, A&&... args) {
    [[maybe_unused]] constexpr bool checked = detail::check_call<R, A...>();
    return Call<R>(caller(), {std::move(id), std::move(func), detail::encode_args(args...), Options{}, false});
  }

  // A handle on the existing promise `id`; throws NotFoundError when there is none.
  template <class R>
  boost::asio::awaitable<Handle<R>> get(std::string id) {
    auto awaiter = co_await attach(std::move(id));
    co_return Handle<R>(std::move(awaiter));
  }

  // Settles a pending promise, e.g. one made by Context::promise.
  template <class T>
  boost::asio::awaitable<void> resolve(std::string id, T&& value) {
    [[maybe_unused]] constexpr bool checked = detail::check_call<void, T>();
    return settle(std::move(id), true, encode(value));
  }
  boost::asio::awaitable<void> reject(std::string id, std::string message);

  // Promises as records: get, create, resolve/reject with values, cancel (promises.hpp).
  Promises promises() const;
  // Functions invoked on a cron schedule: create, get, remove (schedules.hpp).
  Schedules schedules() const;

  // Completes once this instance receives work: for Resonate::remote, once its message stream
  // to the server is open (the server routes its group's calls to it from then on); for
  // Resonate::local, at once. A program that starts a burst of calls right after startup
  // awaits it instead of sleeping. Throws PlatformError when `timeout` passes first (naming the
  // last connection failure), AuthError when the server refuses the stream's token meanwhile,
  // Error after stop(). Without a timeout it waits as long as it takes.
  boost::asio::awaitable<void> connected(std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  // Stops receiving work and the background timers; handles still waiting for a result fail
  // with resonate::Error. Remote mode also hands the tasks this process holds back to the
  // server (sent on the executor: keep it running until they are out, as io_context::run
  // does by itself), so that another worker takes them at once instead of after their leases
  // lapse, and executions in progress end at their next durable call. Embedded mode lets
  // executions in progress go on to their suspension or result.
  void stop();

  const std::string& group() const;
  const std::string& pid() const;

 private:
  friend class testing::Environment;  // builds one over its manual clock

  explicit Resonate(std::shared_ptr<detail::Runtime> runtime);
  void add_function(std::string name, int version, detail::Invoker invoker);
  std::shared_ptr<detail::Caller> caller() const;
  boost::asio::awaitable<std::shared_ptr<detail::Awaiter>> attach(std::string id);
  boost::asio::awaitable<void> settle(std::string id, bool resolved, boost::json::value value);

  std::shared_ptr<detail::Runtime> runtime_;
};

}  // namespace resonate
