// countdown: a durable loop of steps and sleeps.
//
// countdown(n, delay) prints n, n-1, ..., 1 with a pause of `delay` after each number. Every
// print is a durable step (ctx.run) and every pause a durable sleep (ctx.sleep), so a
// countdown whose process is killed continues where it stopped when the program is started
// again with the same id: finished steps are not repeated, and a sleep only waits for the
// time it has left.
//
//   countdown                                      embedded, in memory
//   countdown --db countdown.db --id launch        embedded, SQLite: kill -9 it, start it again
//   countdown --url http://127.0.0.1:8001          against a resonate-server
//
// More options: --count N (default 5), --delay-ms MS (default 1000).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "resonate/resonate.hpp"

namespace asio = boost::asio;

namespace {

// Numbers go to stdout as they happen (flushed: the output may be a pipe).
void say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

asio::awaitable<std::string> countdown(resonate::Context& ctx, int count, int delay_ms) {
  for (int i = count; i > 0; --i) {
    // On a replay the step's stored result is returned and the number is not printed again.
    auto print = [&ctx](int n) { say(ctx.id() + ": " + std::to_string(n)); };
    co_await ctx.run(print, i);
    co_await ctx.sleep(std::chrono::milliseconds(delay_ms));
  }
  co_return ctx.id() + ": liftoff";
}

struct Arguments {
  std::string id = "countdown-1";
  int count = 5;
  int delay_ms = 1000;
  std::string db;   // SQLite file for embedded mode; empty: in memory
  std::string url;  // a resonate-server; empty: embedded
};

Arguments parse(int argc, char** argv) {
  if (argc % 2 == 0) throw std::invalid_argument("option " + std::string(argv[argc - 1]) + " needs a value");
  Arguments arguments;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--id") arguments.id = value;
    else if (flag == "--count") arguments.count = std::stoi(value);
    else if (flag == "--delay-ms") arguments.delay_ms = std::stoi(value);
    else if (flag == "--db") arguments.db = value;
    else if (flag == "--url") arguments.url = value;
    else throw std::invalid_argument("unknown option " + std::string(flag));
  }
  return arguments;
}

// A lease shorter than the default 60 s: when the process dies in the middle of a step, a
// restarted process takes the countdown over after at most this long.
constexpr std::chrono::milliseconds lease{3000};

resonate::Resonate connect(asio::io_context& io, const Arguments& arguments) {
  if (!arguments.url.empty()) {
    resonate::RemoteConfig config;
    config.url = arguments.url;
    config.ttl = lease;
    return resonate::Resonate::remote(io.get_executor(), config);
  }
  resonate::LocalConfig config;
  config.store_path = arguments.db;
  config.ttl = lease;
  return resonate::Resonate::local(io.get_executor(), config);
}

}  // namespace

int main(int argc, char** argv) {
  Arguments arguments;
  try {
    arguments = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\nusage: %s [--id ID] [--count N] [--delay-ms MS] [--db FILE | --url URL]\n", e.what(),
                 argv[0]);
    return 2;
  }

  asio::io_context io;
  auto resonate = connect(io, arguments);
  // A typed handle: the call below is checked against countdown's own parameters.
  auto countdown_function = resonate.register_function("countdown", countdown);

  int status = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        try {
          // If a countdown with this id exists already, this attaches to it instead of
          // starting another one.
          auto result = co_await countdown_function.run(arguments.id, arguments.count, arguments.delay_ms);
          say(result);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "countdown failed: %s\n", e.what());
          status = 1;
        }
        resonate.stop();
      },
      asio::detached);
  io.run();
  return status;
}
