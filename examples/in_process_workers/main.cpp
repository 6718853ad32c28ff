// in_process_workers: several workers in one process share a burst of calls.
//
// Three Resonate instances on one io_context join group "workers" of a resonate-server, each
// with its own pid (worker-1, worker-2, worker-3). A fourth instance, the client, sends a
// burst of calls to the group at once; the server hands each call to one of the workers, and
// every line says which worker ran which job. Workers in separate processes or on other
// machines would share the burst the same way.
//
//   resonate-server serve &
//   in_process_workers --jobs 12      (--url URL, else $RESONATE_URL, else http://127.0.0.1:8001)
#include <chrono>
#include <cstdio>
#include <exception>
#include <map>
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
using namespace std::chrono_literals;

namespace {

void say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

// The work: 200 ms of "computation"; returns who did it.
asio::awaitable<std::string> job(std::string worker, int n) {
  say(worker + " runs job " + std::to_string(n));
  asio::steady_timer work(co_await asio::this_coro::executor, 200ms);
  co_await work.async_wait(asio::use_awaitable);
  co_return worker;
}

struct Arguments {
  int jobs = 12;
  std::string burst;  // prefix of the job ids; a fresh one per run by default
  std::string url;    // empty: $RESONATE_URL, else http://127.0.0.1:8001
};

Arguments parse(int argc, char** argv) {
  if (argc % 2 == 0) throw std::invalid_argument("option " + std::string(argv[argc - 1]) + " needs a value");
  Arguments arguments;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--jobs") arguments.jobs = std::stoi(value);
    else if (flag == "--burst") arguments.burst = value;
    else if (flag == "--url") arguments.url = value;
    else throw std::invalid_argument("unknown option " + std::string(flag));
  }
  if (arguments.burst.empty()) {
    // Ids are durable: a burst named like an earlier one would only fetch the stored results.
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    arguments.burst = "burst-" + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
  }
  return arguments;
}

// Sends the burst, then prints who ran what.
asio::awaitable<void> send_burst(resonate::Resonate& client, const Arguments& arguments) {
  // The workers' message streams connect in the background; work sent before any worker of
  // the group is connected waits for the server's next delivery round. Give them a moment.
  asio::steady_timer connecting(co_await asio::this_coro::executor, 500ms);
  co_await connecting.async_wait(asio::use_awaitable);

  std::vector<resonate::Handle<std::string>> handles;
  for (int n = 1; n <= arguments.jobs; ++n) {
    const auto id = arguments.burst + "-" + std::to_string(n);
    auto handle = co_await client.rpc<std::string>(id, "job", n).target("workers").spawn();
    handles.push_back(handle);
  }
  std::map<std::string, int> count_by_worker;
  for (int n = 1; n <= arguments.jobs; ++n) {
    auto worker = co_await handles[n - 1].result();
    say("job " + std::to_string(n) + " was done by " + worker);
    ++count_by_worker[worker];
  }
  std::string summary = "jobs per worker:";
  for (const auto& [worker, count] : count_by_worker) summary += " " + worker + "=" + std::to_string(count);
  say(summary);
}

}  // namespace

int main(int argc, char** argv) {
  Arguments arguments;
  try {
    arguments = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\nusage: %s [--jobs N] [--burst ID-PREFIX] [--url URL]\n", e.what(), argv[0]);
    return 2;
  }

  asio::io_context io;
  std::vector<resonate::Resonate> workers;
  for (int k = 1; k <= 3; ++k) {
    const std::string name = "worker-" + std::to_string(k);
    resonate::RemoteConfig config;
    config.url = arguments.url;
    config.group = "workers";
    config.pid = name;  // distinct pids: the server tells the workers apart by them
    auto worker = resonate::Resonate::remote(io.get_executor(), config);
    // The worker's name is passed to the coroutine as an argument: it lives in the
    // coroutine's frame for as long as the job runs.
    worker.register_function("job", [name](int n) { return job(name, n); });
    workers.push_back(worker);
  }
  resonate::RemoteConfig client_config;
  client_config.url = arguments.url;
  client_config.group = "clients";
  auto client = resonate::Resonate::remote(io.get_executor(), client_config);

  int status = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        try {
          co_await send_burst(client, arguments);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "burst failed: %s\n", e.what());
          status = 1;
        }
        client.stop();
        for (auto& worker : workers) worker.stop();
      },
      asio::detached);
  io.run();
  return status;
}
