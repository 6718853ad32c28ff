// A worker process for the remote-mode tests. Serves group `workers` of the server at
// argv[1] until killed and prints one line per observable event, which the tests wait for:
//
//   ready pid=<pid>
//   double id=<execution> x=<x>
//   before-sleep id=<execution> at=<epoch ms>
//   step-start id=<execution> pid=<pid>
//   triple id=<execution> pid=<pid>         (only with --new-release)
//   stopping pid=<pid>                      (on SIGTERM: Resonate::stop, a graceful stop)
//   shifty-past id=<execution> pid=<pid>    (after shifty's first durable call)
//   shifty-waiting id=<execution>           (its approval promise exists)
//
//   sdk_remote_worker http://127.0.0.1:PORT [ttl_ms] [--new-release] [--reject-unknown-after=N] [--shifty-moved]
// --new-release also registers `triple_it`, a function the other workers do not have (a
// rolling deploy); --reject-unknown-after sets RemoteConfig::reject_unknown_after;
// --shifty-moved registers a `shifty` whose first durable call changed (non-determinism).
#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "output_lines.hpp"
#include "resonate/resonate.hpp"
#include "wall_clock.hpp"

namespace asio = boost::asio;
using resonate::Context;
using resonate::test_support::epoch_ms;
using resonate::test_support::print_line;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s URL [TTL_MS]\n", argv[0]);
    return 2;
  }
  asio::io_context io;
  resonate::RemoteConfig config;
  config.url = argv[1];
  config.group = "workers";
  config.ttl = std::chrono::milliseconds(argc > 2 ? std::stoll(argv[2]) : 4000);
  bool new_release = false;
  bool shifty_moved = false;
  // --stall-holds: "hold" steps never end (an hour), so the result of a held call can only
  // come from another worker, however late the test's kill or stop arrives.
  bool stall_holds = false;
  for (int i = 3; i < argc; ++i) {
    const std::string option = argv[i];
    if (option == "--stall-holds") stall_holds = true;
    if (option == "--new-release") new_release = true;
    if (option == "--shifty-moved") shifty_moved = true;
    if (option.starts_with("--reject-unknown-after=")) config.reject_unknown_after = std::stoul(option.substr(23));
  }
  auto r = resonate::Resonate::remote(io.get_executor(), config);
  const std::string pid = r.pid();

  r.register_function("double_it", [](Context& ctx, int x) -> asio::awaitable<int> {
    print_line("double id=" + ctx.id() + " x=" + std::to_string(x));
    co_return 2 * x;
  });

  // A step, a durable sleep of `ms`, then an rpc to the group.
  r.register_function("nap", [](Context& ctx, int ms) -> asio::awaitable<std::string> {
    co_await ctx.run([&ctx] { print_line("before-sleep id=" + ctx.id() + " at=" + std::to_string(epoch_ms())); });
    co_await ctx.sleep(std::chrono::milliseconds(ms));
    auto doubled = co_await ctx.rpc<int>("double_it", ms).target("workers");
    co_return "slept " + std::to_string(doubled / 2);
  });

  // One step that keeps the task busy for `ms` (longer than the lease when asked to).
  r.register_function("hold", [pid, stall_holds](Context& ctx, int ms) -> asio::awaitable<std::string> {
    // Named, not written inline in the co_await expression: GCC 12 corrupts temporaries
    // that own a std::string (here the captured pid) inside co_await expressions.
    auto step = [&ctx, pid](int duration) -> asio::awaitable<std::string> {
      print_line("step-start id=" + ctx.id() + " pid=" + pid);
      asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(duration));
      co_await timer.async_wait(asio::use_awaitable);
      co_return pid;
    };
    co_return co_await ctx.run(step, stall_holds ? 3'600'000 : ms);
  });

  // A step, then an approval; the "moved" release calls an rpc where the step was.
  r.register_function("shifty", [pid, shifty_moved](Context& ctx) -> asio::awaitable<int> {
    int first = 0;
    if (shifty_moved) {
      first = co_await ctx.rpc<int>("double_it", 2).target("workers");
    } else {
      first = co_await ctx.run([] { return 1; });
    }
    print_line("shifty-past id=" + ctx.id() + " pid=" + pid);
    auto approval = co_await ctx.promise<bool>();
    print_line("shifty-waiting id=" + ctx.id());
    co_await approval.result();
    co_return first;
  });

  if (new_release) {
    r.register_function("triple_it", [pid](Context& ctx, int x) -> asio::awaitable<int> {
      print_line("triple id=" + ctx.id() + " pid=" + pid);
      co_return 3 * x;
    });
  }

  // SIGTERM: a graceful stop, which hands the held tasks back to the server.
  asio::signal_set terminate(io, SIGTERM);
  terminate.async_wait([&r, pid](const boost::system::error_code& error, int) {
    if (error) return;
    print_line("stopping pid=" + pid);
    r.stop();
  });

  print_line("ready pid=" + pid);
  // Two threads: the SDK must be safe on a multi-threaded io_context.
  std::thread helper([&io] { io.run(); });
  io.run();
  helper.join();
}
