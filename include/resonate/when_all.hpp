// Fan-in of concurrent durable calls: wait for every handle, get the results in order.
//
//   auto a = co_await ctx.spawn_run(price, order);
//   auto b = co_await ctx.spawn_rpc<int>("stock", order);
//   auto [total, stock] = co_await resonate::when_all(a, b);
//
//   std::vector<resonate::Handle<int>> parts;  // one per item, from spawn_run / spawn_rpc
//   std::vector<int> results = co_await resonate::when_all(parts);
//
// Every handle is awaited in order; the first one (in that order) that failed throws its
// error (ExecutionError, CanceledError, TimedOutError) once the ones before it are done.
// Inside a workflow a handle whose result is not there yet suspends the execution, as
// `handle.result()` does; the calls themselves already run concurrently.
#pragma once

#include <cstddef>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "resonate/handle.hpp"

namespace resonate {

namespace detail {

// One statement per await: GCC 12 miscompiles co_await inside initializers and folds.
template <std::size_t I, class Results, class Handles>
boost::asio::awaitable<void> collect(Results& results, const Handles& handles) {
  if constexpr (I < std::tuple_size_v<Handles>) {
    auto value = co_await std::get<I>(handles).result();
    std::get<I>(results).emplace(std::move(value));
    co_await collect<I + 1>(results, handles);
  }
  co_return;
}

}  // namespace detail

template <class... R>
  requires(sizeof...(R) > 0 && (!std::is_void_v<R> && ...))
boost::asio::awaitable<std::tuple<R...>> when_all(Handle<R>... handles) {
  std::tuple<std::optional<R>...> results;
  const auto all = std::make_tuple(std::move(handles)...);
  co_await detail::collect<0>(results, all);
  co_return std::apply([](auto&... value) { return std::tuple<R...>(std::move(*value)...); }, results);
}

template <class R>
boost::asio::awaitable<std::vector<R>> when_all(std::vector<Handle<R>> handles) {
  std::vector<R> results;
  results.reserve(handles.size());
  for (const auto& handle : handles) {
    auto value = co_await handle.result();
    results.push_back(std::move(value));
  }
  co_return results;
}

inline boost::asio::awaitable<void> when_all(std::vector<Handle<void>> handles) {
  for (const auto& handle : handles) co_await handle.result();
}

}  // namespace resonate
