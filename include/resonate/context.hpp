// Context: what a durable function uses to make durable calls.
//
// Every call below is a checkpoint. Its promise id is derived from the position of the call
// in the function (`root:0`, `root:1`, inside `root:1`: `root:1.0`, ...), so when the
// function is executed again after a crash or a suspension ("replay") each call finds its
// stored result and returns it at once instead of doing the work again. Hence the one rule of
// durable functions: make the same durable calls in the same order on every execution; take
// time and randomness from ctx.now() / ctx.random(), not from the system.
//
// Awaiting something that is not there yet (a remote call, a timer, an external promise)
// ends the current execution without an error visible to your code: the coroutine is not
// resumed, its frames are destroyed (destructors run, catch blocks do not), and the function
// is executed again from the top once the awaited promise settles. A `catch (...)` around a
// durable call is therefore safe.
//
// Compilers: g++ 12 destroys aggregate-initialized temporaries inside a co_await expression
// twice (heap corruption), so with g++ 12 the calls below refuse at compile time a capturing
// lambda, an aggregate or Options{...} written inline; name such values first:
//   auto step = [name](int n) { return name + std::to_string(n); };
//   auto text = co_await ctx.run(step, 3);
// (docs/api.md, "Compilers and the GCC 12 rule"). Clang accepts every form.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include <boost/asio/awaitable.hpp>

#include "resonate/call.hpp"
#include "resonate/codec.hpp"
#include "resonate/detail/diagnostics.hpp"
#include "resonate/detail/engine.hpp"
#include "resonate/detail/function.hpp"
#include "resonate/function.hpp"
#include "resonate/handle.hpp"
#include "resonate/options.hpp"

namespace resonate {

namespace detail {
class Pass;
struct Positions;
}

// Data for whoever settles a ctx.promise (what to approve, a form to fill in), stored as the
// promise's param, JSON-encoded like a call's argument: `resonate promises get` and
// Promises::get show it. Made by with_data:
//   auto approval = co_await ctx.promise<bool>(resonate::with_data(order));
class PromiseData {
 public:
  explicit PromiseData(boost::json::value json) : json_(std::move(json)) {}
  const boost::json::value& json() const { return json_; }

 private:
  boost::json::value json_;
};

template <class T>
PromiseData with_data(const T& value) {
  return PromiseData(encode(value));
}

class Context {
 public:
  // Created by the engine for each execution of a durable function.
  Context(std::shared_ptr<detail::Pass> pass, detail::ExecutionInfo info);
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  ~Context();

  // The id of the promise this function execution settles.
  const std::string& id() const { return info_.id; }
  // The id of the execution that called this one (a root's is its own id, as in the TS SDK).
  const std::string& parent_id() const { return info_.parent; }
  // The id of the execution tree's root.
  const std::string& origin() const { return info_.origin; }
  // The deadline of this execution (epoch ms): children never outlive it.
  std::int64_t timeout_at() const { return info_.timeout_at; }
  // The version of the registered function being executed (a step: its function's).
  int version() const { return info_.version; }
  // Which attempt this is, from 1: a step's by its retry policy, a function's by its call's
  // (Call::retry). Counted in this process: a worker that takes over counts from 1 again.
  int attempt() const { return info_.attempt; }

  // Runs `fn(args...)` (or `fn(ctx, args...)`) in this process as a durable step: runs it the
  // first time, retries it on failure with `options.retry` (exponential by default), stores
  // its result, and returns the stored result on every replay without running it again.
  // `fn` is copied into the step; the arguments are moved or copied into it.
  template <class F, class... A>
    requires(!detail::options_type<F>)
  auto run(F&& fn, A&&... args) {
    return start_run<F, A...>(Options{}, std::forward<F>(fn), std::forward<A>(args)...);
  }
  template <detail::options_type O, class F, class... A>
  auto run(O&& options, F&& fn, A&&... args) {
    [[maybe_unused]] constexpr bool checked = detail::check_options<O>();
    return start_run<F, A...>(Options(std::forward<O>(options)), std::forward<F>(fn), std::forward<A>(args)...);
  }

  // Like run, but starts the step concurrently and returns its handle at once; combine
  // handles with resonate::when_all.
  template <class F, class... A>
    requires(!detail::options_type<F>)
  auto spawn_run(F&& fn, A&&... args) {
    return start_spawn<F, A...>(Options{}, std::forward<F>(fn), std::forward<A>(args)...);
  }
  template <detail::options_type O, class F, class... A>
  auto spawn_run(O&& options, F&& fn, A&&... args) {
    [[maybe_unused]] constexpr bool checked = detail::check_options<O>();
    return start_spawn<F, A...>(Options(std::forward<O>(options)), std::forward<F>(fn), std::forward<A>(args)...);
  }

  // Calls a registered function, by default on any worker of group "default" (see
  // Call::target); `co_await` the call for its result or `.spawn()` it for a handle.
  template <class R, class... A>
  Call<R> rpc(std::string func, A&&... args) {
    [[maybe_unused]] constexpr bool checked = detail::check_call<R, A...>();
    return Call<R>(caller(), {next_id(), std::move(func), detail::encode_args(args...), Options{}, false});
  }
  template <class R, class... A>
  boost::asio::awaitable<Handle<R>> spawn_rpc(std::string func, A&&... args) {
    return rpc<R>(std::move(func), std::forward<A>(args)...).spawn();
  }
  // The same through a typed handle (Resonate::register_function): argument and result types
  // checked at compile time, the registered version asked for.
  template <class R, class... P, class... A>
  Call<R> rpc(const Function<R(P...)>& function, A&&... args) {
    if constexpr (detail::check_typed_call<std::tuple<P...>, R, A...>()) {
      return Call<R>(caller(), function.spec(next_id(), false, std::forward<A>(args)...));
    }
  }
  template <class R, class... P, class... A>
  boost::asio::awaitable<Handle<R>> spawn_rpc(const Function<R(P...)>& function, A&&... args) {
    return rpc(function, std::forward<A>(args)...).spawn();
  }

  // Calls a registered function as an independent execution: the caller does not wait for
  // it unless it awaits the result, and the callee is not bound by the caller's deadline.
  // Its id is `{origin}:d{hash}`, as the TypeScript SDK mints it.
  template <class R, class... A>
  Call<R> detached(std::string func, A&&... args) {
    [[maybe_unused]] constexpr bool checked = detail::check_call<R, A...>();
    return Call<R>(detached_caller(),
                   {next_detached_id(), std::move(func), detail::encode_args(args...), Options{}, false});
  }
  template <class R, class... P, class... A>
  Call<R> detached(const Function<R(P...)>& function, A&&... args) {
    if constexpr (detail::check_typed_call<std::tuple<P...>, R, A...>()) {
      return Call<R>(detached_caller(), function.spec(next_detached_id(), false, std::forward<A>(args)...));
    }
  }

  // Durable sleep: the deadline is fixed by the first execution, so a replay after a crash
  // waits only for the time that is left.
  boost::asio::awaitable<void> sleep(std::chrono::milliseconds duration);
  boost::asio::awaitable<void> sleep_until(std::chrono::system_clock::time_point deadline);

  // A promise settled from outside (human in the loop): give `handle.id()` to whoever
  // decides, who settles it with Resonate::resolve / reject (or `resonate promises resolve`);
  // `co_await handle.result()`. Its id is positional (`{ctx.id}:{n}`) unless you name it:
  // `ctx.promise<bool>("approval-order-5")` keeps the id that operators use stable when the
  // function changes. A named id must be unique and the same on every execution.
  template <class R>
  boost::asio::awaitable<Handle<R>> promise() {
    return typed<R>(external(std::nullopt, Options{}));
  }
  template <class R, detail::options_type O>
  boost::asio::awaitable<Handle<R>> promise(O&& options) {
    [[maybe_unused]] constexpr bool checked = detail::check_options<O>();
    return typed<R>(external(std::nullopt, Options(std::forward<O>(options))));
  }
  template <class R>
  boost::asio::awaitable<Handle<R>> promise(std::string id) {
    return typed<R>(external(std::move(id), Options{}));
  }
  template <class R, detail::options_type O>
  boost::asio::awaitable<Handle<R>> promise(std::string id, O&& options) {
    [[maybe_unused]] constexpr bool checked = detail::check_options<O>();
    return typed<R>(external(std::move(id), Options(std::forward<O>(options))));
  }
  // The same with data for whoever settles it (PromiseData, resonate::with_data).
  template <class R>
  boost::asio::awaitable<Handle<R>> promise(PromiseData data) {
    return typed<R>(external(std::nullopt, Options{}, std::move(data)));
  }
  template <class R>
  boost::asio::awaitable<Handle<R>> promise(std::string id, PromiseData data) {
    return typed<R>(external(std::move(id), Options{}, std::move(data)));
  }
  template <class R, detail::options_type O>
  boost::asio::awaitable<Handle<R>> promise(std::string id, PromiseData data, O&& options) {
    [[maybe_unused]] constexpr bool checked = detail::check_options<O>();
    return typed<R>(external(std::move(id), Options(std::forward<O>(options)), std::move(data)));
  }

  // Whether this execution is re-running code that an earlier execution pass already ran:
  // true while a durable call of this context at or after the current position was made by
  // an earlier pass. Use it to keep a function's own log lines from repeating on every pass:
  //   if (!co_await ctx.is_replaying()) log("charging order " + id);
  // Not a durable call (it takes no position). The first call in a pass reads this context's
  // children once; named promises and detached calls (ids without a position) are not seen.
  boost::asio::awaitable<bool> is_replaying();

  // Deterministic helpers, recorded as steps: the same answers on every replay.
  boost::asio::awaitable<std::int64_t> now();  // epoch ms
  boost::asio::awaitable<double> random();     // uniform in [0, 1)

 private:
  std::string next_id();       // the id of the next call; takes its position
  std::string last_call_id();  // the id of the position taken last
  // `signature`: the step's signature, identifying it when `options.name` is unset; static
  // storage (step_signature).
  std::shared_ptr<detail::Step> begin_step(std::string id, Options options, std::string_view signature);
  // The replay fast path: the stored outcome of the step at the next position when this pass
  // knows it settled and recorded as this very step (the position is then taken), else
  // nothing (the step's own path then creates, runs or reports the mismatch).
  std::optional<detail::Outcome> replayed_step(const Options& options, std::string_view signature);
  std::shared_ptr<detail::Caller> caller();
  std::shared_ptr<detail::Caller> detached_caller();
  std::string next_detached_id();
  boost::asio::awaitable<std::shared_ptr<detail::Awaiter>> external(std::optional<std::string> id, Options options,
                                                                   std::optional<PromiseData> data = std::nullopt);
  boost::asio::awaitable<void> sleep_at(std::int64_t wake);  // epoch ms

  template <class R>
  static boost::asio::awaitable<Handle<R>> typed(boost::asio::awaitable<std::shared_ptr<detail::Awaiter>> start) {
    auto awaiter = co_await std::move(start);
    co_return Handle<R>(std::move(awaiter));
  }

  // Runs the step's attempts and stores the outcome.
  template <class R, class F, class Args>
  static boost::asio::awaitable<detail::Outcome> execute_step(std::shared_ptr<detail::Step> step, F fn,
                                                              Args args) {
    detail::Outcome outcome;
    for (int attempt = 0;; ++attempt) {
      std::exception_ptr error;
      try {
        // (Results are named before use: GCC 12 miscompiles co_await inside initializers.)
        outcome.state = detail::Outcome::State::resolved;
        if constexpr (std::is_void_v<R>) {
          co_await detail::invoke(fn, step->context(), args);
          outcome.value = nullptr;
        } else {
          R value = co_await detail::invoke(fn, step->context(), args);
          outcome.value = encode(value);
        }
      } catch (...) {
        error = std::current_exception();
      }
      if (!error) break;
      auto delay = step->retry_delay(error, attempt);
      if (!delay) {
        outcome = detail::rejection_of(error);
        break;
      }
      co_await step->pause(*delay);
    }
    co_return co_await step->close(std::move(outcome));
  }

  template <class R>
  static boost::asio::awaitable<R> stored_result(detail::Outcome outcome) {
    co_return detail::unwrap<R>(outcome);
  }
  template <class R>
  static boost::asio::awaitable<Handle<R>> stored_handle(std::string id, detail::Outcome outcome) {
    co_return Handle<R>(detail::settled_awaiter(std::move(id), std::move(outcome)));
  }

  template <class R, class F, class Args>
  static boost::asio::awaitable<R> run_step(std::shared_ptr<detail::Step> step, F fn, Args args) {
    if (auto stored = co_await step->open()) co_return detail::unwrap<R>(*stored);
    auto outcome = co_await execute_step<R>(step, std::move(fn), std::move(args));
    co_return detail::unwrap<R>(outcome);
  }

  template <class R, class F, class Args>
  static boost::asio::awaitable<Handle<R>> spawn_step(std::shared_ptr<detail::Step> step, F fn, Args args) {
    if (auto stored = co_await step->open()) co_return Handle<R>(detail::settled_awaiter(step->id(), *stored));
    co_return Handle<R>(step->spawn(execute_step<R>(step, std::move(fn), std::move(args))));
  }

  // The signature a step of type Fn records as its identity when it has no name, made once.
  template <class Fn>
  static std::string_view step_signature() {
    using traits = detail::function_traits<Fn>;
    static const std::string signature =
        detail::signature_name(typeid(typename detail::as_function<detail::result_t<Fn>, typename traits::args>::type));
    return signature;
  }

  // The checks come first so that a misuse stops at one readable static_assert.
  template <class F, class... A>
  auto start_run(Options options, F&& fn, A&&... args) {
    if constexpr (detail::check_step<F, A...>()) {
      using Fn = std::decay_t<F>;
      using R = detail::result_t<Fn>;
      using Args = typename detail::function_traits<Fn>::args;
      // A replayed step: no Step object, no coroutine but the one that yields the stored result.
      if (auto stored = replayed_step(options, step_signature<Fn>())) return stored_result<R>(std::move(*stored));
      return run_step<R>(begin_step(next_id(), std::move(options), step_signature<Fn>()), Fn(std::forward<F>(fn)),
                         Args(std::forward<A>(args)...));
    }
  }
  template <class F, class... A>
  auto start_spawn(Options options, F&& fn, A&&... args) {
    if constexpr (detail::check_step<F, A...>()) {
      using Fn = std::decay_t<F>;
      using R = detail::result_t<Fn>;
      using Args = typename detail::function_traits<Fn>::args;
      if (auto stored = replayed_step(options, step_signature<Fn>())) {
        return stored_handle<R>(last_call_id(), std::move(*stored));
      }
      return spawn_step<R>(begin_step(next_id(), std::move(options), step_signature<Fn>()), Fn(std::forward<F>(fn)),
                           Args(std::forward<A>(args)...));
    }
  }

  std::shared_ptr<detail::Pass> pass_;
  detail::ExecutionInfo info_;
  std::uint64_t seq_ = 0;
  // This context's children by position, looked up at its first step (replayed_step).
  const detail::Positions* positions_ = nullptr;
  // The highest child position that existed at this pass's first is_replaying (-1: none).
  std::optional<std::int64_t> furthest_known_;
};

}  // namespace resonate
