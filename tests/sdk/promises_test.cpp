// Resonate::promises(): promise records created, read and settled directly, and Handle::done.
#include <doctest/doctest.h>

#include <chrono>
#include <optional>
#include <string>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "local_scenario.hpp"
#include "resonate/resonate.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using resonate::Context;
using resonate::PromiseState;
using resonate::Resonate;

TEST_CASE("promises: create, get the full record, resolve with a value, and a settled promise keeps its outcome") {
  resonate::test_support::run_scenario([](Resonate&) {}, [](Resonate& r) -> asio::awaitable<void> {
    auto promises = r.promises();
    resonate::Tags tags{{"team", "billing"}};
    auto created = co_await promises.create("invoice-7", 1h, std::string("draft"), tags);
    CHECK(created.id == "invoice-7");
    CHECK(created.state == PromiseState::pending);
    CHECK(created.param.as_string() == "draft");
    CHECK(created.value.is_null());
    CHECK(created.tags.at("team") == "billing");
    CHECK(created.timeout_at - created.created_at >= 3599000);
    CHECK_FALSE(created.settled_at.has_value());

    const boost::json::value total = {{"amount", 12.5}, {"currency", "EUR"}};
    auto resolved = co_await promises.resolve("invoice-7", total);
    CHECK(resolved.state == PromiseState::resolved);
    CHECK(resolved.value == total);
    CHECK(resolved.settled_at.has_value());

    auto again = co_await promises.reject("invoice-7", std::string("too late"));
    CHECK(again.state == PromiseState::resolved);  // the first outcome stands
    auto read = co_await promises.get("invoice-7");
    CHECK(read.value_as<boost::json::object>().at("currency") == "EUR");
    CHECK_THROWS_AS(co_await promises.get("no-such-promise"), resonate::NotFoundError);
  });
}

TEST_CASE("promises: reject and cancel reach an awaiting handle as typed errors; done() does not wait") {
  resonate::test_support::run_scenario([](Resonate&) {}, [](Resonate& r) -> asio::awaitable<void> {
    auto promises = r.promises();
    co_await promises.create("rejected-1", 1h);
    co_await promises.create("canceled-1", 1h);
    auto rejected = co_await r.get<int>("rejected-1");
    auto canceled = co_await r.get<int>("canceled-1");
    CHECK_FALSE(co_await rejected.done());
    const boost::json::value error = {{"__type", "error"}, {"name", "Refused"}, {"message", "no stock"}};
    auto record = co_await promises.reject("rejected-1", error);
    CHECK(record.state == PromiseState::rejected);
    CHECK((co_await promises.cancel("canceled-1")).state == PromiseState::canceled);
    CHECK(co_await rejected.done());
    try {
      co_await rejected.result();
      FAIL("a rejected promise resolved");
    } catch (const resonate::ExecutionError& e) {
      CHECK(e.name() == "Refused");
      CHECK(std::string(e.what()) == "no stock");
    }
    CHECK_THROWS_AS(co_await canceled.result(), resonate::CanceledError);
  });
}

TEST_CASE("inside a function, done() is what the pass knows: a child pending when reached is not done in that pass") {
  std::vector<std::string> seen;
  resonate::test_support::run_scenario(
      [&](Resonate& r) {
        r.register_function("square", [](int x) { return x * x; });
        r.register_function("peek", [&](Context& ctx) -> asio::awaitable<int> {
          auto handle = co_await ctx.spawn_rpc<int>("square", 4);
          seen.push_back(co_await handle.done() ? "done" : "pending");
          co_return co_await handle.result();
        });
      },
      [](Resonate& r) -> asio::awaitable<void> { CHECK(co_await r.run<int>("peek-1", "peek") == 16); });
  REQUIRE(seen.size() == 2);
  CHECK(seen[0] == "pending");  // first pass: created now
  CHECK(seen[1] == "done");     // replay: settled when reached
}

TEST_CASE("ctx.promise with data: whoever settles it reads the data from the promise's param") {
  resonate::test_support::run_scenario(
      [](Resonate& r) {
        r.register_function("approve", [](Context& ctx, int amount) -> asio::awaitable<std::string> {
          const boost::json::value request = {{"amount", amount}, {"reason", "refund"}};
          auto positional = co_await ctx.promise<bool>(resonate::with_data(request));
          auto named = co_await ctx.promise<std::string>("approval-of-" + ctx.id(), resonate::with_data(amount));
          const bool approved = co_await positional.result();
          const std::string by = co_await named.result();
          co_return (approved ? "approved by " : "denied by ") + by;
        });
      },
      [](Resonate& r) -> asio::awaitable<void> {
        auto handle = co_await r.rpc<std::string>("approve-1", "approve", 40).spawn();
        auto promises = r.promises();
        // The approver finds the request in each promise's param, then settles it.
        std::optional<resonate::PromiseRecord> request;
        for (int attempt = 0; attempt < 1000 && !request; ++attempt) {
          bool missing = false;
          try {
            request = co_await promises.get("approval-of-approve-1");
          } catch (const resonate::NotFoundError&) {
            missing = true;  // not created yet: the function has not reached it
          }
          if (missing) {
            asio::steady_timer pause(co_await asio::this_coro::executor, 1ms);
            co_await pause.async_wait(asio::use_awaitable);
          }
        }
        REQUIRE(request.has_value());
        CHECK(request->param == boost::json::value(40));
        auto positional = co_await promises.get("approve-1:0");
        CHECK(positional.param.at("amount") == 40);
        CHECK(positional.param.at("reason") == "refund");
        co_await promises.resolve("approve-1:0", true);
        co_await promises.resolve("approval-of-approve-1", std::string("Ada"));
        CHECK(co_await handle.result() == "approved by Ada");
      });
}
