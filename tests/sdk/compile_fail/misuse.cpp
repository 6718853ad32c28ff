// One common mistake per RESONATE_MISUSE_* definition; each must stop the build with the
// readable static_assert that tests/sdk/CMakeLists.txt expects (CTest label compile_fail).
#include <string>

#include <boost/asio/awaitable.hpp>

#include "resonate/resonate.hpp"

namespace asio = boost::asio;
using resonate::Context;

namespace {

struct Order {
  std::string item;
  int quantity = 0;
};

// No JSON conversion on purpose.
struct Opaque {
  int secret = 0;
};

[[maybe_unused]] asio::awaitable<std::string> workflow([[maybe_unused]] Context& ctx, std::string name) {
#if defined(RESONATE_MISUSE_generic_lambda)
  auto out = co_await ctx.run([](auto n) { return n; }, name);
#elif defined(RESONATE_MISUSE_context_by_value)
  auto out = co_await ctx.run([](Context child, std::string s) { return child.id() + s; }, name);
#elif defined(RESONATE_MISUSE_result_without_json)
  auto step = [](int n) { return Opaque{n}; };
  auto opaque = co_await ctx.run(step, 1);
  auto out = std::to_string(opaque.secret) + name;
#elif defined(RESONATE_MISUSE_temporary_closure)
  auto out = co_await ctx.run([name](int n) { return name + std::to_string(n); }, 1);
#elif defined(RESONATE_MISUSE_temporary_aggregate)
  auto step = [](const Order& order) { return order.item; };
  auto out = co_await ctx.run(step, Order{name, 3});
#elif defined(RESONATE_MISUSE_typed_call_argument)
  extern resonate::Function<int(int)> twice;
  auto doubled = co_await ctx.rpc(twice, name);  // a string where the function takes an int
  auto out = std::to_string(doubled);
#elif defined(RESONATE_MISUSE_typed_call_arity)
  extern resonate::Function<int(int)> twice;
  auto doubled = co_await ctx.rpc(twice, 1, 2);
  auto out = std::to_string(doubled) + name;
#elif defined(RESONATE_MISUSE_temporary_options)
  auto step = [](int n) { return std::to_string(n); };
  auto out = co_await ctx.run(resonate::Options{.target = "workers"}, step, 1);
#else
  auto step = [name](int n) { return name + std::to_string(n); };
  auto out = co_await ctx.run(step, 1);
#endif
  co_return out;
}

}  // namespace
