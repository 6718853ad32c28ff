// Typed function handles: register_function returns Function<R(A...)>, whose calls are checked
// at compile time and ask for the registered version.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <type_traits>

#include <boost/asio/io_context.hpp>

#include "local_scenario.hpp"
#include "resonate/resonate.hpp"

namespace asio = boost::asio;
using resonate::Context;
using resonate::Resonate;

namespace {

struct Order {
  std::string item;
  int quantity = 0;
};
void tag_invoke(boost::json::value_from_tag, boost::json::value& json, const Order& order) {
  json = {{"item", order.item}, {"quantity", order.quantity}};
}
Order tag_invoke(boost::json::value_to_tag<Order>, const boost::json::value& json) {
  const auto& object = json.as_object();
  return {boost::json::value_to<std::string>(object.at("item")), boost::json::value_to<int>(object.at("quantity"))};
}

}  // namespace

TEST_CASE("register_function returns a typed handle: run, rpc and ctx.rpc with the function's own types") {
  resonate::test_support::run_scenario(
      [](Resonate& r) {
        auto greet = r.register_function("greet", [](std::string name) { return "hello " + name; });
        static_assert(std::is_same_v<decltype(greet), resonate::Function<std::string(std::string)>>);
        auto greet_v2 = r.register_function("greet", [](std::string name) { return "hi " + name; }, 2);
        auto total = r.register_function("total", [](Context&, Order order) -> asio::awaitable<int> {
          co_return order.quantity * 3;
        });
        static_assert(std::is_same_v<decltype(total), resonate::Function<int(Order)>>);
        r.register_function("greet_all", [greet, greet_v2](Context& ctx, std::string name) -> asio::awaitable<std::string> {
          auto first = co_await ctx.rpc(greet, name);
          auto second = co_await ctx.rpc(greet_v2, name);
          auto handle = co_await ctx.spawn_rpc(greet, "again");
          co_return first + ", " + second + ", " + co_await handle.result();
        });
      },
      [](Resonate& r) -> asio::awaitable<void> {
        CHECK(co_await r.run<std::string>("all-1", "greet_all", "Ada") == "hello Ada, hi Ada, hello again");
      });
}

TEST_CASE("a typed handle's run and rpc execute the registered version with converted arguments") {
  std::optional<resonate::Function<std::string(std::string)>> first;
  std::optional<resonate::Function<int(Order)>> total;
  resonate::test_support::run_scenario(
      [&](Resonate& r) {
        first = r.register_function("greet", [](std::string name) { return "hello " + name; });
        r.register_function("greet", [](std::string name) { return "hi " + name; }, 2);
        total = r.register_function("total", [](Order order) { return order.quantity * 3; });
      },
      [&](Resonate&) -> asio::awaitable<void> {
        CHECK(first->name() == "greet");
        CHECK(first->version() == 1);
        // Version 1 although version 2 is the latest: the handle names its own.
        CHECK(co_await first->run("typed-1", "Ada") == "hello Ada");
        const Order order{"apples", 4};
        CHECK(co_await total->run("typed-2", order) == 12);
        auto handle = co_await total->rpc("typed-3", order).spawn();
        CHECK(co_await handle.result() == 12);
      });
}

TEST_CASE("a handle kept past its Resonate and io_context does not keep them alive: a call throws Error") {
  std::optional<resonate::Function<std::string(std::string)>> greet;
  {
    asio::io_context io;
    auto r = Resonate::local(io.get_executor());
    greet = r.register_function("greet", [](std::string name) { return "hello " + name; });
    r.stop();
  }
  // The runtime and its timers died with the io_context (ASan/UBSan would see a timer destroyed
  // after its service otherwise).
  CHECK(greet->name() == "greet");
  CHECK_THROWS_AS(greet->run("late-1", "Ada"), resonate::Error);
}
