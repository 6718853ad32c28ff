// Load balancing, the worker: serves the group `workers` of a resonate-server. Start as many
// as you like; the server hands every call to one of them, and when a worker dies its
// executions carry on elsewhere.
//
//   load_balancing_worker [--url http://127.0.0.1:8001] [--name worker-1] [--ttl-ms 5000]
//
// (--url falls back to RESONATE_URL, then to http://127.0.0.1:8001.)
//
// compute_something(id, cost) "works" for `cost` seconds with a durable sleep. The sleep does
// not tie the execution to this process: the worker hands the execution back to the server,
// which wakes it when the time is up, on whichever worker of the group is alive then. The
// function is then executed again from the top ("replay"): the recorded steps return what
// they returned the first time, so the replay knows who started it and when, and the sleep
// returns at once because its deadline is stored on the server.
//
// Output, one line per event:
//   [worker-2] start  id=job-4 cost=5s at 12:00:01.250
//   [worker-3] resume id=job-4 started by worker-2 at 12:00:01.250, sleep already over
//   [worker-3] done   id=job-4 took 5.6s (expected end 12:00:06.250, actual 12:00:06.850)
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json/object.hpp>

#include "resonate/resonate.hpp"

namespace asio = boost::asio;
namespace json = boost::json;
using resonate::Context;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Epoch milliseconds as local wall-clock time, hh:mm:ss.mmm.
std::string clock_time(std::int64_t epoch_ms) {
  const std::time_t seconds = epoch_ms / 1000;
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[32];
  std::snprintf(text, sizeof text, "%02d:%02d:%02d.%03d", local.tm_hour, local.tm_min, local.tm_sec,
                static_cast<int>(epoch_ms % 1000));
  return text;
}

std::string seconds_text(std::int64_t ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1fs", static_cast<double>(ms) / 1000.0);
  return text;
}

// Several executions print concurrently; one fputs per line keeps lines whole.
void say(const std::string& name, const std::string& message) {
  const std::string line = "[" + name + "] " + message + "\n";
  std::fputs(line.c_str(), stdout);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  resonate::RemoteConfig config;
  config.group = "workers";
  config.ttl = std::chrono::milliseconds(5000);  // a dead worker's lease lapses within 5 s
  std::string name = "worker";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag == "--url") config.url = argv[i + 1];
    else if (flag == "--name") name = argv[i + 1];
    else if (flag == "--ttl-ms") config.ttl = std::chrono::milliseconds(std::stoll(argv[i + 1]));
    else {
      std::fprintf(stderr, "usage: %s [--url URL] [--name NAME] [--ttl-ms MS]\n", argv[0]);
      return 2;
    }
  }

  asio::io_context io;
  auto resonate = resonate::Resonate::remote(io.get_executor(), config);

  resonate.register_function(
      "compute_something", [name](Context& ctx, std::string id, int cost) -> asio::awaitable<json::object> {
        // Recorded steps: they run once, and every replay gets their first result back.
        bool replaying = true;
        auto claim = [&replaying, name] {
          replaying = false;  // only runs when this is the first execution
          return name;
        };
        const std::string started_by = co_await ctx.run(claim);
        const std::int64_t started_at = co_await ctx.now();
        const std::int64_t expected_end = started_at + cost * 1000;

        if (!replaying) {
          say(name, "start  id=" + id + " cost=" + std::to_string(cost) + "s at " + clock_time(started_at));
        } else {
          const std::int64_t left = expected_end - now_ms();
          const std::string by = started_by == name ? "this worker" : started_by;
          say(name, "resume id=" + id + " started by " + by + " at " + clock_time(started_at) + ", " +
                        (left > 0 ? seconds_text(left) + " of sleep left" : "sleep already over"));
        }

        // Durable: the deadline is fixed by the first execution, so a replay waits only for
        // what is left of it.
        co_await ctx.sleep(std::chrono::seconds(cost));

        const std::int64_t finished_at = now_ms();
        say(name, "done   id=" + id + " took " + seconds_text(finished_at - started_at) + " (expected end " +
                      clock_time(expected_end) + ", actual " + clock_time(finished_at) + ")");
        json::object result{{"id", id},
                            {"cost", cost},
                            {"started_by", started_by},
                            {"finished_by", name},
                            {"started_at", started_at},
                            {"finished_at", finished_at}};
        co_return result;
      });

  // Ctrl-C / kill: stop taking work and leave (a SIGKILL needs no cooperation at all).
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    resonate.stop();
    io.stop();
  });

  say(name, "ready  pid=" + resonate.pid() + " group=" + resonate.group());
  io.run();
}
