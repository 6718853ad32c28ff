// fan_out: start n children at once, then gather their results (fan-out / fan-in).
//
// sum_of_squares(n) calls the durable function `square` for 1..n with ctx.spawn_rpc, which
// returns a handle as soon as the child's promise exists, so all n children run at the same
// time; then it awaits every handle and adds the results. Each child takes --work-ms, and so
// does the whole fan-out: the children's "start" lines all come before the first "done".
//
//   fan_out                                   embedded, 5 children of 1 s each
//   fan_out --count 10 --work-ms 300
//   fan_out --url http://127.0.0.1:8001       against a resonate-server: the children go to
//                                             any worker of group "default", this one included
//
// (ctx.spawn_run fans out the same way over steps that run in this process.)
#include <chrono>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "resonate/resonate.hpp"

namespace asio = boost::asio;

namespace {

void say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

// A child: stands for a slow call to some service.
asio::awaitable<int> square(int x, int work_ms) {
  say("square(" + std::to_string(x) + "): start");
  asio::steady_timer work(co_await asio::this_coro::executor, std::chrono::milliseconds(work_ms));
  co_await work.async_wait(asio::use_awaitable);
  say("square(" + std::to_string(x) + "): done");
  co_return x * x;
}

asio::awaitable<int> sum_of_squares(resonate::Context& ctx, int count, int work_ms) {
  // Fan out: start every child before waiting for any of them.
  std::vector<resonate::Handle<int>> children;
  for (int x = 1; x <= count; ++x) {
    auto child = co_await ctx.spawn_rpc<int>("square", x, work_ms);
    children.push_back(child);
  }
  // Fan in.
  int sum = 0;
  for (const auto& child : children) {
    int value = co_await child.result();
    sum += value;
  }
  co_return sum;
}

struct Arguments {
  std::string id = "fan-out-1";
  int count = 5;
  int work_ms = 1000;
  std::string url;  // a resonate-server; empty: embedded, in memory
};

Arguments parse(int argc, char** argv) {
  if (argc % 2 == 0) throw std::invalid_argument("option " + std::string(argv[argc - 1]) + " needs a value");
  Arguments arguments;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--id") arguments.id = value;
    else if (flag == "--count") arguments.count = std::stoi(value);
    else if (flag == "--work-ms") arguments.work_ms = std::stoi(value);
    else if (flag == "--url") arguments.url = value;
    else throw std::invalid_argument("unknown option " + std::string(flag));
  }
  return arguments;
}

// Embedded (protocol core and an in-memory store in this process), or a resonate-server.
resonate::Resonate connect(asio::io_context& io, const std::string& url) {
  if (url.empty()) return resonate::Resonate::local(io.get_executor());
  resonate::RemoteConfig config;
  config.url = url;
  return resonate::Resonate::remote(io.get_executor(), config);
}

}  // namespace

int main(int argc, char** argv) {
  Arguments arguments;
  try {
    arguments = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\nusage: %s [--id ID] [--count N] [--work-ms MS] [--url URL]\n", e.what(), argv[0]);
    return 2;
  }

  asio::io_context io;
  auto resonate = connect(io, arguments.url);
  resonate.register_function("square", square);
  auto sum_of_squares_function = resonate.register_function("sum_of_squares", sum_of_squares);

  int status = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        try {
          const auto started = std::chrono::steady_clock::now();
          int sum = co_await sum_of_squares_function.run(arguments.id, arguments.count, arguments.work_ms);
          const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::steady_clock::now() - started);
          say("sum of squares 1.." + std::to_string(arguments.count) + " = " + std::to_string(sum) + " (" +
              std::to_string(elapsed.count()) + " ms)");
        } catch (const std::exception& e) {
          std::fprintf(stderr, "fan_out failed: %s\n", e.what());
          status = 1;
        }
        resonate.stop();
      },
      asio::detached);
  io.run();
  return status;
}
