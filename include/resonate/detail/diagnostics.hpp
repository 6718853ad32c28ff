// Compile-time checks of the public templates (internal): a misuse that would otherwise end in
// hundreds of lines of template errors, or in heap corruption at run time, stops the build
// with one sentence that says what to write instead.
#pragma once

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include "resonate/detail/function.hpp"

namespace resonate {
struct Options;
}

namespace resonate::detail {

// GCC before 13 destroys an aggregate-initialized temporary that appears inside a co_await
// expression twice (a lambda that captures a std::string by value, Order{"apples", 3},
// Options{.target = "workers"}, a std::function made from such a lambda): heap corruption at
// run time, no warning. Measured with g++ 12.2 -O2, 200 executions per shape: named values,
// lambdas without captures or capturing by reference, and temporaries made by a constructor
// (std::string, std::pair, non-aggregate classes) run clean. Clang and GCC 13+ are not
// affected.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
inline constexpr bool temporaries_in_co_await_are_unsafe = true;
#else
inline constexpr bool temporaries_in_co_await_are_unsafe = false;
#endif

// A value passed as `T&&` (forwarding reference) that is an rvalue whose destruction matters.
template <class T>
inline constexpr bool destructible_rvalue =
    !std::is_lvalue_reference_v<T> && !std::is_trivially_destructible_v<std::remove_cvref_t<T>>;

// A callable passed as a temporary: a closure is aggregate-initialized, and a std::function or
// functor made from one carries that temporary along; only a named callable is safe.
template <class F>
inline constexpr bool unsafe_temporary_callable =
    temporaries_in_co_await_are_unsafe && destructible_rvalue<F> && std::is_class_v<std::remove_cvref_t<F>>;

// An argument or option passed as an aggregate temporary (Order{...}, Options{...}).
template <class T>
inline constexpr bool unsafe_temporary_value =
    temporaries_in_co_await_are_unsafe && destructible_rvalue<T> && std::is_aggregate_v<std::remove_cvref_t<T>>;

// Whether values of T can be stored in a durable promise and read back.
template <class T>
inline constexpr bool json_convertible =
    std::is_void_v<T> || (boost::json::has_value_from<T>::value && boost::json::has_value_to<T>::value);

// Whether a value of T can be sent as an argument (string literals included).
template <class T>
inline constexpr bool json_encodable = boost::json::has_value_from<std::decay_t<T>>::value;

template <class Tuple>
struct all_json_convertible;
template <class... A>
struct all_json_convertible<std::tuple<A...>> : std::bool_constant<(json_convertible<A> && ...)> {};

// The shape shared by steps and registered functions.
template <class F>
constexpr bool check_callable() {
  static_assert(has_call_signature<F>,
                "resonate: a durable function must have exactly one call signature; a generic lambda "
                "(`auto` parameters) or an overloaded function object cannot be one: write the parameter "
                "types out, e.g. [](int n) { ... }");
  if constexpr (has_call_signature<F>) {
    using traits = function_traits<F>;
    constexpr bool result_converts = json_convertible<typename traits::result>;
    static_assert(!traits::misuses_context,
                  "resonate: take the Context by non-const reference and as the first parameter: "
                  "[](resonate::Context& ctx, int n) -> asio::awaitable<int> { ... }");
    static_assert(result_converts,
                  "resonate: the result type of a durable function must convert to and from JSON: give it "
                  "tag_invoke overloads for boost::json::value_from / value_to (or describe it with "
                  "Boost.Describe); see resonate/codec.hpp");
    return !traits::misuses_context && result_converts;
  }
  return false;
}

// ctx.run / ctx.spawn_run: `F` and `A...` as deduced by forwarding references.
template <class F, class... A>
constexpr bool check_step() {
  [[maybe_unused]] constexpr bool safe = !unsafe_temporary_callable<F> && !(unsafe_temporary_value<A> || ...);
  static_assert(!unsafe_temporary_callable<F>,
                "resonate: GCC 12 corrupts the heap when a lambda that captures by value (or another "
                "callable object) is created inside a co_await expression. Name it first: "
                "`auto step = [name](int n) { ... }; co_await ctx.run(step, 1);` "
                "(see docs/getting-started.md, Compilers)");
  static_assert(!(unsafe_temporary_value<A> || ...),
                "resonate: GCC 12 corrupts the heap when an aggregate such as Order{\"apples\", 3} is "
                "created inside a co_await expression. Name it first: "
                "`Order order{\"apples\", 3}; co_await ctx.run(step, order);`");
  if constexpr (check_callable<F>()) {
    using Args = typename function_traits<F>::args;
    constexpr bool arity = std::tuple_size_v<Args> == sizeof...(A);
    static_assert(arity, "resonate: ctx.run got a different number of arguments than the step takes "
                         "(a Context& parameter is passed by the SDK, not by you)");
    if constexpr (arity) {
      static_assert(std::is_constructible_v<Args, A&&...>,
                    "resonate: an argument of ctx.run does not convert to the step's parameter type");
    }
    return safe;
  }
  return false;
}

// Resonate::register_function: arguments come from JSON.
template <class F>
constexpr bool check_registered() {
  if constexpr (check_callable<F>()) {
    using Args = typename function_traits<F>::args;
    static_assert(all_json_convertible<Args>::value,
                  "resonate: every parameter type of a registered function must convert to and from "
                  "JSON: give it tag_invoke overloads for boost::json::value_from / value_to (or "
                  "describe it with Boost.Describe); see resonate/codec.hpp");
    return all_json_convertible<Args>::value;
  }
  return false;
}

// rpc / run by name / resolve: arguments go to JSON; `R` comes back from it.
template <class R, class... A>
constexpr bool check_call() {
  constexpr bool result_converts = json_convertible<R>;
  constexpr bool arguments_encode = (json_encodable<A> && ...);
  constexpr bool safe = !(unsafe_temporary_value<A> || ...);
  static_assert(result_converts,
                "resonate: the result type R of rpc<R>/run<R>/Handle<R> must convert to and from JSON; "
                "see resonate/codec.hpp");
  static_assert(arguments_encode,
                "resonate: every argument of a call must convert to JSON (boost::json::value_from); "
                "see resonate/codec.hpp");
  static_assert(safe,
                "resonate: GCC 12 corrupts the heap when an aggregate such as Order{\"apples\", 3} is "
                "created inside a co_await expression. Name it first: "
                "`Order order{\"apples\", 3}; co_await ctx.rpc<int>(\"ship\", order);`");
  return result_converts && arguments_encode && safe;
}

// A call through a typed handle Function<R(P...)>: the arguments `A...` must be as many as the
// parameters and convert to them.
template <class Params, class R, class... A>
constexpr bool check_typed_call() {
  constexpr bool arity = std::tuple_size_v<Params> == sizeof...(A);
  static_assert(arity, "resonate: a call through a typed Function got a different number of arguments than the "
                       "function takes (a Context& parameter is passed by the SDK, not by you)");
  if constexpr (arity) {
    constexpr bool converts = []<std::size_t... I>(std::index_sequence<I...>) {
      return (std::is_constructible_v<std::tuple_element_t<I, Params>, A&&> && ...);
    }(std::make_index_sequence<sizeof...(A)>{});
    static_assert(converts, "resonate: an argument of a call through a typed Function does not convert to the "
                            "function's parameter type");
    return converts && check_call<R, A...>();
  }
  return false;
}

// Options passed inline, as in ctx.run(Options{.target = "workers"}, step).
template <class O>
constexpr bool check_options() {
  static_assert(!unsafe_temporary_value<O>,
                "resonate: GCC 12 corrupts the heap when Options{...} is created inside a co_await "
                "expression. Name it first: `resonate::Options options{.retry = ...}; "
                "co_await ctx.run(options, step);`");
  return !unsafe_temporary_value<O>;
}

template <class O>
concept options_type = std::is_same_v<std::remove_cvref_t<O>, Options>;

}  // namespace resonate::detail
