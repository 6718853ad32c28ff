// Resonate::promises(): promise records created, read and settled directly, and Handle::done.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

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
