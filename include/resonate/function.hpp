// Function<R(A...)>: a registered function, typed. Returned by Resonate::register_function:
//
//   auto greet = resonate.register_function("greet", [](std::string name) { return "hello " + name; });
//   std::string text = co_await greet.run("greet-1", "Ada");          // in this process
//   std::string other = co_await greet.rpc("greet-2", "Bob").target("workers");
//   // inside a durable function:
//   std::string nested = co_await ctx.rpc(greet, "Cy");
//
// The argument and result types are the function's own, checked at compile time; the call
// asks for the version that was registered. The name-based calls (rpc<R>("greet", ...)) stay
// for functions of other processes and languages. Copyable; cheap. A handle does not keep its
// Resonate alive: calling run or rpc after the Resonate is gone throws resonate::Error.
#pragma once

#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "resonate/call.hpp"
#include "resonate/detail/diagnostics.hpp"
#include "resonate/detail/engine.hpp"
#include "resonate/detail/function.hpp"
#include "resonate/errors.hpp"
#include "resonate/options.hpp"

namespace resonate {

class Context;

template <class Signature>
class Function;

template <class R, class... P>
class Function<R(P...)> {
 public:
  Function(std::string name, int version, std::weak_ptr<detail::Caller> caller)
      : name_(std::move(name)), version_(version), caller_(std::move(caller)) {}

  const std::string& name() const { return name_; }
  int version() const { return version_; }

  // Resonate::run: executes the function under promise `id` in this process.
  template <class... A>
  Call<R> run(std::string id, A&&... args) const {
    return call(std::move(id), true, std::forward<A>(args)...);
  }
  // Resonate::rpc: has a worker of the call's target execute it (Call::target).
  template <class... A>
  Call<R> rpc(std::string id, A&&... args) const {
    return call(std::move(id), false, std::forward<A>(args)...);
  }

 private:
  friend class Context;  // ctx.rpc(function, ...) and ctx.detached(function, ...)

  // The call `id` with the arguments converted to the parameter types, asking for this version.
  template <class... A>
  detail::CallSpec spec(std::string id, bool run_here, A&&... args) const {
    Options options;
    options.version = version_;
    return {std::move(id), name_, detail::encode_args(static_cast<P>(std::forward<A>(args))...), std::move(options),
            run_here};
  }

  template <class... A>
  Call<R> call(std::string id, bool run_here, A&&... args) const {
    if constexpr (detail::check_typed_call<std::tuple<P...>, R, A...>()) {
      auto caller = caller_.lock();
      if (!caller) throw Error("function '" + name_ + "': its Resonate is gone");
      return Call<R>(std::move(caller), spec(std::move(id), run_here, std::forward<A>(args)...));
    }
  }

  std::string name_;
  int version_;
  // Weak: a handle kept past its Resonate (a global, a test fixture) must not keep the runtime,
  // and with it I/O objects of a destroyed io_context, alive.
  std::weak_ptr<detail::Caller> caller_;
};

namespace detail {

template <class R, class Args>
struct function_handle;
template <class R, class... P>
struct function_handle<R, std::tuple<P...>> {
  using type = Function<R(P...)>;
};

// The typed handle of a registered callable F.
template <class F>
using function_handle_t = typename function_handle<result_t<F>, typename function_traits<F>::args>::type;

}  // namespace detail

}  // namespace resonate
