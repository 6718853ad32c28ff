// Testing a durable function that waits two weeks, in milliseconds: resonate::testing's
// manual clock fires each durable sleep when the test advances past it, and the function's own
// notion of time (ctx.now()) follows that clock, so every run is the same.
//
//   build/examples/testing/reminder_test
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include <resonate/testing.hpp>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using resonate::Context;

namespace {

constexpr auto day = std::chrono::hours(24);

// A free trial: a reminder the day before it ends, a notice when it has ended. Each mail is a
// step, so it is sent once however often the function is replayed.
struct Trial {
  std::vector<std::string> outbox;  // what the mail "service" received

  void register_with(resonate::Resonate& resonate) {
    resonate.register_function("trial", [this](Context& ctx, std::string user) -> asio::awaitable<int> {
      auto mail = [this](std::string text) {
        outbox.push_back(text);
        return text;
      };
      co_await ctx.sleep(13 * day);
      co_await ctx.run(mail, user + ": your trial ends tomorrow");
      co_await ctx.sleep(day);
      co_await ctx.run(mail, user + ": your trial has ended");
      co_return 2;
    });
  }
};

}  // namespace

TEST_CASE("the trial's two mails go out on days 13 and 14, each once") {
  resonate::testing::Environment env;
  Trial trial;
  trial.register_with(env.resonate());
  auto handle = env.run(env.resonate().run<int>("trial-ada", "trial", "ada").timeout(30 * day).spawn());

  env.advance(12 * day);
  CHECK(trial.outbox.empty());

  env.advance(day);
  REQUIRE(trial.outbox.size() == 1);
  CHECK(trial.outbox[0] == "ada: your trial ends tomorrow");
  CHECK_FALSE(env.run(handle.done()));

  env.advance(day);
  CHECK(env.run(handle.result()) == 2);
  CHECK(trial.outbox.size() == 2);  // the first mail was replayed from its checkpoint, not resent
}

TEST_CASE("the execution's checkpoints show where it stands") {
  resonate::testing::Environment env;
  Trial trial;
  trial.register_with(env.resonate());
  env.run(env.resonate().run<int>("trial-bob", "trial", "bob").timeout(30 * day).spawn());
  env.advance(13 * day);
  // The root, the first sleep (done), the reminder (done), the second sleep (pending).
  const auto checkpoints = env.checkpoints("trial-bob");
  REQUIRE(checkpoints.size() == 4);
  CHECK(checkpoints[2].value_as<std::string>() == "bob: your trial ends tomorrow");
  CHECK(checkpoints[3].state == resonate::PromiseState::pending);
  CHECK(checkpoints[3].timeout_at == env.now() + 24LL * 60 * 60 * 1000);
}
