// The shapes of ctx.run / ctx.rpc arguments that GCC 12 compiles correctly inside a co_await
// expression (named callables and values, lambdas without captures or capturing by
// reference, temporaries made by a constructor) run 200 executions each without corrupting
// the heap. This suite is always built with AddressSanitizer, so a double destruction is a
// report and an abort, not a silent pass. The shapes GCC 12 miscompiles are rejected at
// compile time (tests/sdk/compile_fail).
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "resonate/resonate.hpp"

namespace asio = boost::asio;
using resonate::Context;
using resonate::Resonate;

namespace {

// Not an aggregate: made by a constructor, which GCC 12 handles.
class Label {
 public:
  explicit Label(std::string text) : text_(std::move(text)) {}
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

constexpr int executions = 200;

// Registers `workflow` as "wf" and runs it `executions` times with a heap-allocated name;
// every execution must return `expected(name)`.
void run_many(std::function<asio::awaitable<std::string>(Context&, std::string)> workflow,
              const std::function<std::string(const std::string&)>& expected) {
  asio::io_context io;
  auto r = Resonate::local(io.get_executor());
  r.register_function("wf", std::move(workflow));
  r.register_function("echo", [](std::string text) { return text; });
  int matched = 0;
  std::exception_ptr failure;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (int i = 0; i < executions; ++i) {
          const std::string name = "a-name-long-enough-to-live-on-the-heap-" + std::to_string(i);
          std::string id = "exec-" + std::to_string(i);
          const auto value = co_await r.run<std::string>(id, "wf", name);
          if (value == expected(name)) ++matched;
        }
      },
      [&](std::exception_ptr error) {
        failure = error;
        r.stop();
      });
  io.run();
  if (failure) std::rethrow_exception(failure);
  CHECK(matched == executions);
}

}  // namespace

TEST_CASE("a named lambda that captures a string by value") {
  run_many(
      [](Context& ctx, std::string name) -> asio::awaitable<std::string> {
        auto step = [name](int n) { return name + "-a-" + std::to_string(n); };
        auto out = co_await ctx.run(step, 1);
        co_return out;
      },
      [](const std::string& name) { return name + "-a-1"; });
}

TEST_CASE("an inline lambda that captures by reference, and one without captures") {
  run_many(
      [](Context& ctx, std::string name) -> asio::awaitable<std::string> {
        auto first = co_await ctx.run([&name](int n) { return name + "-r-" + std::to_string(n); }, 2);
        auto second = co_await ctx.run([](std::string s) { return s + "-n"; }, first);
        co_return second;
      },
      [](const std::string& name) { return name + "-r-2-n"; });
}

TEST_CASE("temporary strings and constructed objects as arguments") {
  run_many(
      [](Context& ctx, std::string name) -> asio::awaitable<std::string> {
        auto joined = co_await ctx.run([](std::string s) { return s + "-j"; }, std::string("x-") + name);
        auto copied = co_await ctx.run([](std::string s) { return s + "-c"; }, std::string(joined));
        auto labelled = co_await ctx.run([](Label label) { return label.text() + "-l"; }, Label(copied));
        auto paired = co_await ctx.run([](std::pair<std::string, int> p) { return p.first + std::to_string(p.second); },
                                       std::pair<std::string, int>{labelled, 7});
        co_return paired;
      },
      [](const std::string& name) { return "x-" + name + "-j-c-l7"; });
}

TEST_CASE("named Options, a named std::function and a spawned named step") {
  run_many(
      [](Context& ctx, std::string name) -> asio::awaitable<std::string> {
        resonate::Options options{.target = "unused-by-local-steps", .retry = resonate::RetryPolicy::never()};
        std::function<std::string(int)> step = [name](int n) { return name + "-f-" + std::to_string(n); };
        auto first = co_await ctx.run(options, step, 3);
        auto handle = co_await ctx.spawn_run(options, step, 4);
        auto second = co_await handle.result();
        co_return first + "|" + second;
      },
      [](const std::string& name) { return name + "-f-3|" + name + "-f-4"; });
}

TEST_CASE("rpc with temporary string arguments") {
  run_many(
      [](Context& ctx, std::string name) -> asio::awaitable<std::string> {
        auto echoed = co_await ctx.rpc<std::string>("echo", std::string("e-") + name);
        co_return echoed;
      },
      [](const std::string& name) { return "e-" + name; });
}
