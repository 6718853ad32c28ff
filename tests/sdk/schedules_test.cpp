// Resonate::schedules(): a registered function invoked on a cron schedule the store keeps.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <string>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "local_scenario.hpp"
#include "resonate/resonate.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using resonate::Resonate;

TEST_CASE("a schedule invokes its function at every tick; get, idempotent create, conflicts and remove") {
  std::atomic<int> ticks = 0;
  std::string region;
  resonate::test_support::run_scenario(
      [&](Resonate& r) {
        r.register_function("report", [&](std::string where) {
          region = where;
          return ++ticks;
        });
      },
      [&](Resonate& r) -> asio::awaitable<void> {
        auto schedules = r.schedules();
        resonate::Options options;
        options.timeout = 30s;
        auto created = co_await schedules.create(options, "every-second", "* * * * * *", "report", "eu");
        CHECK(created.id == "every-second");
        CHECK(created.func == "report");
        CHECK(created.args.size() == 1);
        CHECK(created.promise_timeout == 30s);
        CHECK(created.promise_tags.at("resonate:target") == "poll://any@default");
        CHECK(created.next_run_at > created.created_at - 1000);
        // The first tick comes within a second; wait for it, bounded.
        for (int i = 0; i < 300 && ticks == 0; ++i) {
          asio::steady_timer timer(co_await asio::this_coro::executor, 10ms);
          co_await timer.async_wait(asio::use_awaitable);
        }
        CHECK(ticks >= 1);
        CHECK(region == "eu");

        auto again = co_await schedules.create(options, "every-second", "* * * * * *", "report", "eu");
        CHECK(again.created_at == created.created_at);
        CHECK_THROWS_WITH_AS(co_await schedules.create("every-second", "0 3 * * *", "report", "eu"),
                             doctest::Contains("already exists with another definition"), resonate::Error);
        CHECK_THROWS_WITH_AS(co_await schedules.create("broken", "not a cron", "report", "eu"),
                             doctest::Contains("schedule.create"), resonate::Error);

        co_await schedules.remove("every-second");
        CHECK_THROWS_AS(co_await schedules.get("every-second"), resonate::NotFoundError);
        CHECK_THROWS_AS(co_await schedules.remove("every-second"), resonate::NotFoundError);
      });
}
