// A worker of the crash soak (docs/reliability.md): serves group `soak` of the server at argv[1]
// until it is SIGKILLed, executing `soak_chain` (tests/soak/soak_chain.hpp). It prints one line
// per observable event; the driver counts them to see how much work the crashes repeated:
//
//   ready pid=<pid>
//   invoke id=<root>                                   every (re)execution of the function body
//   step-begin id=<root> index=<i> in=<value>          a step's code starts (again after a crash)
//   step id=<root> index=<i> in=<value> out=<value>    it computed its checkpoint value
//   done id=<root> value=<value>                       the body returned (before the settle)
//
//   soak_worker http://127.0.0.1:PORT [ttl_ms]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "output_lines.hpp"
#include "resonate/resonate.hpp"
#include "soak_chain.hpp"

namespace asio = boost::asio;
using resonate::Context;

using resonate::test_support::print_line;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s URL [TTL_MS]\n", argv[0]);
    return 2;
  }
  asio::io_context io;
  resonate::RemoteConfig config;
  config.url = argv[1];
  config.group = "soak";
  config.ttl = std::chrono::milliseconds(argc > 2 ? std::stoll(argv[2]) : 2000);
  auto r = resonate::Resonate::remote(io.get_executor(), config);

  r.register_function("soak_chain", [](Context& ctx, std::int64_t input) -> asio::awaitable<std::int64_t> {
    const std::string id = ctx.id();
    print_line("invoke id=" + id);
    // Named before the co_await (GCC 12 and temporaries owning strings: context.hpp). A step
    // takes a few tens of milliseconds, so kills also land in the middle of steps.
    auto step = [id](std::int64_t value, int index) -> asio::awaitable<std::int64_t> {
      print_line("step-begin id=" + id + " index=" + std::to_string(index) + " in=" + std::to_string(value));
      auto executor = co_await asio::this_coro::executor;
      asio::steady_timer work(executor, resonate::soak::step_duration(value, index));
      co_await work.async_wait(asio::use_awaitable);
      const auto out = resonate::soak::step_value(value, index);
      print_line("step id=" + id + " index=" + std::to_string(index) + " in=" + std::to_string(value) +
            " out=" + std::to_string(out));
      co_return out;
    };
    auto value = co_await ctx.run(step, input, 0);
    for (int index = 1; index < resonate::soak::steps_per_execution; ++index) {
      co_await ctx.sleep(resonate::soak::sleep_duration(input, index));
      value = co_await ctx.run(step, value, index);
    }
    print_line("done id=" + id + " value=" + std::to_string(value));
    co_return value;
  });

  print_line("ready pid=" + r.pid());
  // Two threads, as a production worker might run.
  std::thread helper([&io] { io.run(); });
  io.run();
  helper.join();
}
