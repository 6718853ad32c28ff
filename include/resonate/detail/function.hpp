// Compile-time plumbing between user callables and the JSON-typed engine (internal).
//
// A durable function is any callable with a fixed signature, optionally taking a Context&
// first, returning either a value or an asio::awaitable of one:
//   int add(int, int);                                      // leaf
//   asio::awaitable<std::string> fetch(std::string url);    // asynchronous leaf
//   asio::awaitable<int> workflow(Context&, int n);         // may use ctx.run/sleep/rpc
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include "resonate/codec.hpp"
#include "resonate/errors.hpp"

namespace resonate {
class Context;
}

namespace resonate::detail {

template <class T>
struct awaited {
  using type = T;
  static constexpr bool is_awaitable = false;
};
template <class T, class Executor>
struct awaited<boost::asio::awaitable<T, Executor>> {
  using type = T;
  static constexpr bool is_awaitable = true;
};

// The one call signature of a callable; empty (no `result`) for anything else, so that asking
// about a non-callable is a substitution failure, never a hard error.
template <class F>
struct signature {};
template <class F>
  requires requires { &F::operator(); }
struct signature<F> : signature<decltype(&F::operator())> {};
template <class R, class... A>
struct signature<R (*)(A...)> {
  using result = R;
  using params = std::tuple<A...>;
};
template <class R, class... A>
struct signature<R (*)(A...) noexcept> : signature<R (*)(A...)> {};
template <class R, class... A>
struct signature<R(A...)> : signature<R (*)(A...)> {};
template <class R, class... A>
struct signature<R(A...) noexcept> : signature<R (*)(A...)> {};
template <class C, class R, class... A>
struct signature<R (C::*)(A...)> : signature<R (*)(A...)> {};
template <class C, class R, class... A>
struct signature<R (C::*)(A...) const> : signature<R (*)(A...)> {};
template <class C, class R, class... A>
struct signature<R (C::*)(A...) noexcept> : signature<R (*)(A...)> {};
template <class C, class R, class... A>
struct signature<R (C::*)(A...) const noexcept> : signature<R (*)(A...)> {};

// A function pointer, a function, or an object with exactly one non-template operator().
template <class F>
concept has_call_signature = requires { typename signature<std::decay_t<F>>::result; };

template <class Tuple>
struct without_context {
  static constexpr bool takes_context = false;
  static constexpr bool misuses_context = false;
  using type = Tuple;
};
template <class First, class... Rest>
struct without_context<std::tuple<First, Rest...>> {
  static constexpr bool takes_context = std::is_same_v<First, Context&>;
  // A Context by value, by const reference or anywhere but first cannot work.
  static constexpr bool misuses_context =
      (std::is_same_v<std::remove_cvref_t<First>, Context> && !takes_context) ||
      (std::is_same_v<std::remove_cvref_t<Rest>, Context> || ...);
  using type = std::conditional_t<takes_context, std::tuple<Rest...>, std::tuple<First, Rest...>>;
};

template <class Tuple>
struct decayed;
template <class... A>
struct decayed<std::tuple<A...>> {
  using type = std::tuple<std::decay_t<A>...>;
};

template <class F>
struct function_traits;
template <has_call_signature F>
struct function_traits<F> {
  using sig = signature<std::decay_t<F>>;
  static constexpr bool takes_context = without_context<typename sig::params>::takes_context;
  static constexpr bool misuses_context = without_context<typename sig::params>::misuses_context;
  static constexpr bool is_awaitable = awaited<typename sig::result>::is_awaitable;
  using result = typename awaited<typename sig::result>::type;
  // The parameters that travel as JSON arguments, as owned values.
  using args = typename decayed<typename without_context<typename sig::params>::type>::type;
};

template <class F>
using result_t = typename function_traits<F>::result;

// The function type R(A...) of a result and an argument tuple.
template <class R, class Tuple>
struct as_function;
template <class R, class... A>
struct as_function<R, std::tuple<A...>> {
  using type = R(A...);
};

// Calls `fn` with the context (when it takes one) and the argument tuple.
template <class F, class Tuple>
boost::asio::awaitable<result_t<F>> invoke(F& fn, Context& ctx, Tuple& args) {
  using traits = function_traits<F>;
  auto call = [&](auto&... a) -> decltype(auto) {
    if constexpr (traits::takes_context) {
      return fn(ctx, a...);
    } else {
      (void)ctx;
      return fn(a...);
    }
  };
  if constexpr (traits::is_awaitable) {
    co_return co_await std::apply(call, args);
  } else {
    co_return std::apply(call, args);
  }
}

template <class Tuple, std::size_t... I>
Tuple decode_args(const boost::json::array& args, std::index_sequence<I...>) {
  if (args.size() < sizeof...(I)) {
    throw DecodeError("expected " + std::to_string(sizeof...(I)) + " arguments, got " +
                      std::to_string(args.size()));
  }
  return Tuple{decode<std::tuple_element_t<I, Tuple>>(args[I])...};
}

template <class... A>
boost::json::array encode_args(const A&... args) {
  boost::json::array out;
  out.reserve(sizeof...(A));
  (out.push_back(encode(args)), ...);
  return out;
}

// A registered function with JSON arguments and result.
using Invoker = std::function<boost::asio::awaitable<boost::json::value>(Context&, boost::json::array)>;

template <class F>
boost::asio::awaitable<boost::json::value> invoke_encoded(const F& fn, Context& ctx, boost::json::array json) {
  using Args = typename function_traits<F>::args;
  auto args = decode_args<Args>(json, std::make_index_sequence<std::tuple_size_v<Args>>{});
  F callable = fn;
  if constexpr (std::is_void_v<result_t<F>>) {
    co_await invoke(callable, ctx, args);
    co_return boost::json::value{};
  } else {
    result_t<F> value = co_await invoke(callable, ctx, args);
    co_return encode(value);
  }
}

template <class F>
Invoker make_invoker(F fn) {
  return [fn = std::move(fn)](Context& ctx, boost::json::array args) {
    return invoke_encoded(fn, ctx, std::move(args));
  };
}

}  // namespace resonate::detail
