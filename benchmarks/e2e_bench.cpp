// End-to-end benchmark through resonate-server: throughput of durable invocations with 1, 2
// and 4 worker processes, latency of a ctx.run step and of an RPC round trip, and the time a
// killed worker's execution takes to resume on another worker as a function of the lease ttl.
//
//   e2e_bench drive --server PATH --store SQLITE_PATH|postgres://... [--workers 1,2,4]
//                   [--seconds 3] [--ttls 2000,5000,10000] [--concurrency 16] [--replicas 1,2,3]
//                   [--peer PATH] [--sleepers N]
//       --replicas (PostgreSQL): throughput with that many servers on the one database, two
//       workers connected to the first replicas and a client on each replica, the
//       concurrency shared between the clients (calls cross replicas); per invocation, the
//       replicas' commits and their delivery loops' takes of the shared outbox.
//       --peer PATH/memory_server.mjs: the same 1-worker throughput and latency against the
//       TypeScript SDK's in-memory, non-durable Server (tests/interop/memory_server.mjs, node),
//       and our server's ratio to it.
//       --sleepers N (SQLite): N executions suspended in a 24 h durable sleep on a server of
//       their own (a fresh database beside --store); its memory and the workers', the
//       database's size, a /metrics scrape, and short sleeps' lateness and RPC latency before
//       and beside them; then that server is killed and restarted on its database (start-up
//       time, memory, the same latencies).
//       Starts the server and the workers (this program in worker mode), prints progress on
//       stderr and one JSON document on stdout.
//   e2e_bench worker URL TTL_MS
//       Serves group "workers" until killed; prints `ready pid=<pid>` and, for `hold`,
//       `step-start id=<id> pid=<pid>` (the driver waits for these lines).
//
// Functions served by the workers:
//   noop(x)        returns x: one invocation = create, dispatch to the group, acquire, fulfil
//   timed_step(x)  one ctx.run step; returns how long the step took in the worker (ns)
//   hold(ms)       one ctx.run step that keeps the task busy for ms (the failover victim)
//   nap(ms)        a durable sleep of ms; returns how late it resumed (ms past its deadline)
//   doze(hours)    a durable sleep of that many hours (the suspended executions of --sleepers)
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "child_process.hpp"
#include "output_lines.hpp"
#include "resonate/resonate.hpp"
#include "server_child.hpp"

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using resonate::Context;
using resonate::test_support::ChildProcess;
using resonate::test_support::print_line;
using Clock = std::chrono::steady_clock;

namespace {

void progress(const std::string& line) {
  std::fprintf(stderr, "e2e_bench: %s\n", line.c_str());
  std::fflush(stderr);
}

std::int64_t ns_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
}

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// --- worker -------------------------------------------------------------------------------

int run_worker(const std::string& url, std::chrono::milliseconds ttl) {
  asio::io_context io;
  resonate::RemoteConfig config;
  config.url = url;
  config.group = "workers";
  config.ttl = ttl;
  auto r = resonate::Resonate::remote(io.get_executor(), config);
  const std::string pid = r.pid();

  r.register_function("noop", [](int x) { return x; });

  r.register_function("timed_step", [](Context& ctx, int x) -> asio::awaitable<std::int64_t> {
    const auto started = Clock::now();
    int value = co_await ctx.run([](int v) { return v + 1; }, x);
    const auto took = ns_since(started);
    co_return value > 0 ? took : -1;
  });

  r.register_function("hold", [pid](Context& ctx, int ms) -> asio::awaitable<std::string> {
    // Named before the co_await: GCC 12 mishandles string-owning temporaries inside one.
    auto step = [&ctx, pid](int duration) -> asio::awaitable<std::string> {
      print_line("step-start id=" + ctx.id() + " pid=" + pid);
      asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(duration));
      co_await timer.async_wait(asio::use_awaitable);
      co_return pid;
    };
    co_return co_await ctx.run(step, ms);
  });

  r.register_function("nap", [](Context& ctx, int ms) -> asio::awaitable<std::int64_t> {
    const std::int64_t wake = co_await ctx.run([](int duration) { return epoch_ms() + duration; }, ms);
    co_await ctx.sleep_until(std::chrono::system_clock::time_point(std::chrono::milliseconds(wake)));
    co_return co_await ctx.run([](std::int64_t deadline) { return epoch_ms() - deadline; }, wake);
  });

  r.register_function("doze", [](Context& ctx, int hours) -> asio::awaitable<int> {
    co_await ctx.sleep(std::chrono::hours(hours));
    co_return hours;
  });

  print_line("ready pid=" + pid);
  io.run();
  return 0;
}

// --- driver -------------------------------------------------------------------------------

struct DriveOptions {
  std::string server;
  std::string store;
  std::vector<int> workers{1, 2, 4};
  std::vector<int> ttls{2000, 5000, 10000};
  double seconds = 3;
  int concurrency = 16;
  std::vector<int> replicas{};
  std::string peer{};  // memory_server.mjs
  int sleepers = 0;
};

std::vector<int> parse_list(const std::string& text) {
  std::vector<int> values;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) values.push_back(std::stoi(item));
  return values;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

class Server {
 public:
  Server(const std::string& program, const std::string& store, const std::vector<std::string>& options = {})
      : program_(program), store_(store), options_(options) {
    start(0);
  }
  const std::string& url() const { return url_; }
  pid_t pid() const { return process_->pid(); }

  // SIGKILL, then the same command on the same port (clients and workers reconnect); returns
  // how long the new server took to listen.
  double restart_after_kill() {
    process_->signal(SIGKILL);
    process_->wait_for_exit(30s);
    const auto started = Clock::now();
    start(port_);
    return static_cast<double>(ns_since(started)) * 1e-9;
  }

 private:
  void start(int port) {
    process_.reset();
    process_ = std::make_unique<ChildProcess>("server", resonate::test_support::serve_command(program_, port, store_, options_));
    port_ = resonate::test_support::await_listening(*process_, std::chrono::minutes(10));
    url_ = resonate::test_support::loopback_url(port_);
  }

  std::string program_;
  std::string store_;
  std::vector<std::string> options_;
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
  std::string url_;
};

std::unique_ptr<ChildProcess> start_worker(const std::string& self, const std::string& url, int ttl_ms,
                                           const std::string& name) {
  auto worker = std::make_unique<ChildProcess>(name, std::vector<std::string>{self, "worker", url, std::to_string(ttl_ms)});
  if (!worker->wait_for_line_starting("ready", 30s)) throw std::runtime_error(name + " did not start:\n" + worker->transcript());
  return worker;
}

// A client in its own group (it receives no work), driven on the calling thread.
class Client {
 public:
  explicit Client(const std::string& url) {
    resonate::RemoteConfig config;
    config.url = url;
    config.group = "bench-client";
    resonate_ = std::make_unique<resonate::Resonate>(resonate::Resonate::remote(io_.get_executor(), config));
  }
  ~Client() {
    resonate_->stop();
    try {
      io_.poll();
    } catch (const std::exception& e) {
      progress(std::string("client: ") + e.what());
    }
  }

  // Runs `callers` coroutines at once, each calling `call` until it returns false; returns the
  // seconds until the last one ended, and rethrows the first failure.
  double run_callers(int callers, std::function<asio::awaitable<bool>(resonate::Resonate&)> call) {
    double elapsed = 0;
    std::exception_ptr failure;
    run([&](resonate::Resonate& r) -> asio::awaitable<void> {
      const auto started = Clock::now();
      int running = callers;
      auto executor = co_await asio::this_coro::executor;
      asio::steady_timer all_done(executor, Clock::time_point::max());
      for (int c = 0; c < callers; ++c) {
        asio::co_spawn(
            executor,
            [&]() -> asio::awaitable<void> {
              while (co_await call(r)) {
              }
            },
            [&](std::exception_ptr error) {
              if (error && !failure) failure = error;
              if (--running == 0) all_done.cancel();
            });
      }
      boost::system::error_code ignored;
      co_await all_done.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      elapsed = static_cast<double>(ns_since(started)) * 1e-9;
    });
    if (failure) std::rethrow_exception(failure);
    return elapsed;
  }

  // Runs `scenario` to its end.
  void run(std::function<asio::awaitable<void>(resonate::Resonate&)> scenario) {
    bool done = false;
    std::exception_ptr failure;
    asio::co_spawn(io_, scenario(*resonate_), [&](std::exception_ptr error) {
      done = true;
      failure = error;
    });
    while (!done) io_.run_one();
    if (failure) std::rethrow_exception(failure);
  }

 private:
  asio::io_context io_;
  std::unique_ptr<resonate::Resonate> resonate_;
};

std::string unique_prefix(const std::string& what) {
  static int serial = 0;
  return what + "-" + std::to_string(::getpid()) + "-" + std::to_string(serial++);
}

// A sample of the server's /metrics, `name` with its labels as printed (0 when absent).
double metric(const std::string& url, const std::string& name) {
  namespace http = boost::beast::http;
  const auto port = url.substr(url.rfind(':') + 1);
  asio::io_context io;
  boost::beast::tcp_stream stream(io);
  stream.connect(asio::ip::tcp::resolver(io).resolve("127.0.0.1", port));
  http::request<http::empty_body> request{http::verb::get, "/metrics", 11};
  request.set(http::field::host, "127.0.0.1");
  http::write(stream, request);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  const auto& text = response.body();
  const auto at = text.find("\n" + name + " ");
  return at == std::string::npos ? 0 : std::stod(text.substr(at + name.size() + 2));
}

// Invocations per second with `concurrency` callers in flight for `seconds`.
double measure_throughput(Client& client, double seconds, int concurrency) {
  const auto prefix = unique_prefix("noop");
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  int next = 0;
  int completed = 0;
  const double elapsed = client.run_callers(concurrency, [&](resonate::Resonate& r) -> asio::awaitable<bool> {
    if (Clock::now() >= deadline) co_return false;
    const std::string id = prefix + "-" + std::to_string(next++);
    int value = co_await r.rpc<int>(id, "noop", 7).target("workers");
    if (value == 7) ++completed;
    co_return true;
  });
  return completed / elapsed;
}

struct Latencies {
  std::vector<double> step_ms;  // ctx.run inside the worker
  std::vector<double> rpc_ms;   // client rpc → result
};

Latencies measure_latency(Client& client, double seconds) {
  const auto prefix = unique_prefix("lat");
  Latencies result;
  client.run([&](resonate::Resonate& r) -> asio::awaitable<void> {
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    for (int n = 0; Clock::now() < deadline || n < 20; ++n) {
      const std::string rpc_id = prefix + "-rpc-" + std::to_string(n);
      const auto started = Clock::now();
      int value = co_await r.rpc<int>(rpc_id, "noop", n).target("workers");
      if (value == n) result.rpc_ms.push_back(static_cast<double>(ns_since(started)) * 1e-6);
      const std::string step_id = prefix + "-step-" + std::to_string(n);
      std::int64_t step_ns = co_await r.rpc<std::int64_t>(step_id, "timed_step", n).target("workers");
      if (step_ns >= 0) result.step_ms.push_back(static_cast<double>(step_ns) * 1e-6);
    }
  });
  return result;
}

// How late durable sleeps resume (ms past their deadline), one 200 ms sleep at a time.
std::vector<double> measure_sleep_lateness(Client& client, int samples) {
  const auto prefix = unique_prefix("nap");
  std::vector<double> late_ms;
  client.run([&](resonate::Resonate& r) -> asio::awaitable<void> {
    for (int n = 0; n < samples; ++n) {
      const std::string id = prefix + "-" + std::to_string(n);
      late_ms.push_back(static_cast<double>(co_await r.rpc<std::int64_t>(id, "nap", 200).target("workers")));
    }
  });
  return late_ms;
}

// The physical limit of request-at-a-time commits: how many 4 KiB write + fdatasync pairs the
// disk under `directory` does per second, measured for about `seconds` in this run.
double measure_fdatasync_rate(const std::filesystem::path& directory, double seconds) {
  const auto file = directory / ("e2e-bench-fsync-" + std::to_string(::getpid()));
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + file.string());
  const std::string block(4096, 'x');
  long syncs = 0;
  const auto started = Clock::now();
  const auto until = started + std::chrono::duration<double>(seconds);
  while (Clock::now() < until) {
    if (::pwrite(fd, block.data(), block.size(), 0) != static_cast<ssize_t>(block.size()) || ::fdatasync(fd) != 0) {
      ::close(fd);
      std::filesystem::remove(file);
      throw std::runtime_error("write or fdatasync failed on " + file.string());
    }
    ++syncs;
  }
  const double elapsed = static_cast<double>(ns_since(started)) * 1e-9;
  ::close(fd);
  std::filesystem::remove(file);
  return static_cast<double>(syncs) / elapsed;
}

// Seconds from SIGKILL of the worker holding `hold` to the step starting on another worker.
double measure_failover(const std::string& self, const std::string& url, int ttl_ms) {
  auto victim = start_worker(self, url, ttl_ms, "victim");
  Client client(url);
  const auto id = unique_prefix("hold");
  client.run([&](resonate::Resonate& r) -> asio::awaitable<void> {
    co_await r.rpc<std::string>(id, "hold", 600000).target("workers").spawn();
  });
  const std::string started_line = "step-start id=" + id + " ";
  if (!victim->wait_for_line_starting(started_line, 30s)) throw std::runtime_error("hold did not start");
  // The survivor joins only now, so the step certainly started on the victim.
  auto survivor = start_worker(self, url, ttl_ms, "survivor");
  victim->signal(SIGKILL);
  const auto killed = Clock::now();
  victim->wait_for_exit(10s);
  if (!survivor->wait_for_line_starting(started_line, std::chrono::milliseconds(ttl_ms) * 3 + 30s))
    throw std::runtime_error("the execution did not resume:\n" + survivor->transcript());
  return static_cast<double>(ns_since(killed)) * 1e-9;
}

// Invocations per second through `count` replicas on one database (the driver's server and
// count - 1 more): two workers on the first replicas (worker w on replica w % count), a client
// on each replica with its share of the concurrency, all measured at once.
json::object measure_replicas(const DriveOptions& options, const std::string& self, const Server& first, int count) {
  std::vector<std::unique_ptr<Server>> more;
  std::vector<std::string> urls{first.url()};
  for (int r = 1; r < count; ++r) {
    more.push_back(std::make_unique<Server>(options.server, options.store,
                                            std::vector<std::string>{"--replica-id", "r" + std::to_string(r)}));
    urls.push_back(more.back()->url());
  }
  std::vector<std::unique_ptr<ChildProcess>> workers;
  for (int w = 0; w < 2; ++w) {
    workers.push_back(start_worker(self, urls[static_cast<std::size_t>(w % count)], 60000, "worker" + std::to_string(w)));
  }
  std::vector<std::unique_ptr<Client>> clients;
  for (const auto& url : urls) clients.push_back(std::make_unique<Client>(url));
  const int share = std::max(1, options.concurrency / count);
  for (auto& client : clients) measure_throughput(*client, 0.3, share);  // warm-up
  // What the replicas did for the invocations, summed over them: store transactions for
  // requests, and the delivery loops' takes of the shared outbox (empty: another replica won).
  const std::vector<std::string> counters{"resonate_commits_total", "resonate_outbox_takes_total{outcome=\"found\"}",
                                          "resonate_outbox_takes_total{outcome=\"empty\"}"};
  const auto sum_over_replicas = [&] {
    std::vector<double> sums(counters.size(), 0);
    for (const auto& url : urls) {
      for (std::size_t k = 0; k < counters.size(); ++k) sums[k] += metric(url, counters[k]);
    }
    return sums;
  };
  const auto before = sum_over_replicas();
  std::vector<double> rates(clients.size(), 0);
  std::vector<std::thread> threads;
  for (std::size_t c = 0; c < clients.size(); ++c) {
    threads.emplace_back([&, c] { rates[c] = measure_throughput(*clients[c], options.seconds, share); });
  }
  for (auto& thread : threads) thread.join();
  double total = 0;
  for (double rate : rates) total += rate;
  const auto after = sum_over_replicas();
  const double invocations = std::max(1.0, total * options.seconds);
  const auto per_invocation = [&](std::size_t k) { return (after[k] - before[k]) / invocations; };
  for (auto& worker : workers) worker->signal(SIGKILL);
  progress("replicas=" + std::to_string(count) + " invocations/s=" + std::to_string(total) +
           " commits/invocation=" + std::to_string(per_invocation(0)) + " takes/invocation=" +
           std::to_string(per_invocation(1)) + " empty_takes/invocation=" + std::to_string(per_invocation(2)));
  return json::object{{"replicas", count},
                      {"workers", 2},
                      {"concurrency", share * count},
                      {"invocations_per_second", total},
                      {"commits_per_invocation", per_invocation(0)},
                      {"outbox_takes_per_invocation", per_invocation(1)},
                      {"empty_outbox_takes_per_invocation", per_invocation(2)}};
}

// The 1-worker throughput and the latencies through the TypeScript SDK's in-memory server
// (memory_server.mjs under node), the same client and worker as against ours.
json::object measure_peer(const DriveOptions& options, const std::string& self) {
  ChildProcess server("peer", {"node", options.peer, "--port=0"});
  const auto url = resonate::test_support::loopback_url(resonate::test_support::await_listening(server, 30s));
  auto worker = start_worker(self, url, 60000, "peer-worker");
  Client client(url);
  measure_throughput(client, 0.3, options.concurrency);  // warm-up
  const double rate = measure_throughput(client, options.seconds, options.concurrency);
  auto latency = measure_latency(client, options.seconds);
  worker->signal(SIGKILL);
  json::object peer{{"server", "TypeScript SDK 0.11.5 in-memory Server (memory_server.mjs), not durable"},
                    {"workers", 1},
                    {"invocations_per_second", rate},
                    {"rpc_p50_ms", percentile(latency.rpc_ms, 0.5)},
                    {"step_p50_ms", percentile(latency.step_ms, 0.5)}};
  progress("peer " + json::serialize(peer));
  return peer;
}

// A field of /proc/<pid>/status in MiB ("VmRSS", "VmHWM"; 0 when absent).
double memory_mib(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(field + ":")) return std::stod(line.substr(field.size() + 1)) / 1024;  // kB
  }
  return 0;
}

double file_mib(const std::filesystem::path& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  return error ? 0 : static_cast<double>(size) / (1024 * 1024);
}

// Starts `count` executions of doze(24) with `concurrency` creations in flight (each call
// returns once its promise exists), printing progress; returns creations per second.
double spawn_sleepers(Client& client, int count, int concurrency) {
  const auto prefix = unique_prefix("doze");
  int next = 0;
  const double elapsed = client.run_callers(concurrency, [&](resonate::Resonate& r) -> asio::awaitable<bool> {
    if (next >= count) co_return false;
    const int n = next++;
    if (n % 100000 == 0 && n > 0) progress("sleepers created=" + std::to_string(n));
    const std::string id = prefix + "-" + std::to_string(n);
    co_await r.rpc<int>(id, "doze", 24).target("workers").spawn();
    co_return true;
  });
  return count / elapsed;
}

// Issue 11's scale figure: `sleepers` executions suspended in durable sleeps at once on a
// server of their own (SQLite), and what they cost it and the workers.
json::object measure_sleepers(const DriveOptions& options, const std::string& self) {
  const auto database = std::filesystem::absolute(options.store).string() + ".sleepers";
  for (const auto* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(database + suffix);
  Server server(options.server, database);
  std::vector<std::unique_ptr<ChildProcess>> workers;
  for (int w = 0; w < 2; ++w) workers.push_back(start_worker(self, server.url(), 60000, "sleeper-worker" + std::to_string(w)));
  Client client(server.url());
  json::object out{{"sleepers", options.sleepers}};
  auto latencies = [&](const std::string& when) {
    const auto late = measure_sleep_lateness(client, 20);
    const auto latency = measure_latency(client, 1.0);
    json::object figures{{"late_p50_ms", percentile(late, 0.5)},
                         {"late_p99_ms", percentile(late, 0.99)},
                         {"rpc_p50_ms", percentile(latency.rpc_ms, 0.5)},
                         {"step_p50_ms", percentile(latency.step_ms, 0.5)},
                         {"server_rss_mib", memory_mib(server.pid(), "VmRSS")}};
    progress("sleepers " + when + " " + json::serialize(figures));
    out[when] = std::move(figures);
  };
  latencies("before");

  out["created_per_second"] = spawn_sleepers(client, options.sleepers, 64);
  // Every doze has suspended (the naps and steps of "before" have completed).
  const std::string suspended = "resonate_tasks{state=\"suspended\"}";
  const auto created = Clock::now();
  double scrape_s = 0;
  for (;;) {
    const auto scrape = Clock::now();
    const double now_suspended = metric(server.url(), suspended);
    scrape_s = static_cast<double>(ns_since(scrape)) * 1e-9;
    if (now_suspended >= options.sleepers) break;
    std::this_thread::sleep_for(1s);
  }
  out["all_suspended_after_creation_s"] = static_cast<double>(ns_since(created)) * 1e-9;
  out["metrics_scrape_ms"] = scrape_s * 1000;
  out["server_hwm_mib"] = memory_mib(server.pid(), "VmHWM");
  out["database_mib"] = file_mib(database) + file_mib(database + "-wal");
  json::array worker_memory;
  for (const auto& worker : workers) {
    worker_memory.push_back(json::object{{"rss_mib", memory_mib(worker->pid(), "VmRSS")},
                                         {"hwm_mib", memory_mib(worker->pid(), "VmHWM")}});
  }
  out["workers"] = std::move(worker_memory);
  progress("sleepers " + json::serialize(out));
  latencies("beside");

  out["restart_listening_s"] = server.restart_after_kill();
  latencies("after_restart");
  for (auto& worker : workers) worker->signal(SIGKILL);
  return out;
}

json::object drive(const DriveOptions& options, const std::string& self) {
  Server server(options.server, options.store);
  json::object out;
  const bool postgres = options.store.starts_with("postgres") || options.store.find('=') != std::string::npos;
  out["store"] = postgres ? "postgresql" : "sqlite";
  // The disk's limit for request-at-a-time commits, beside which throughput is read (for
  // PostgreSQL the disk of this directory, which its test cluster need not use).
  const auto store_directory = postgres ? std::filesystem::current_path()
                                        : std::filesystem::absolute(options.store).parent_path();
  const double fdatasync_rate = measure_fdatasync_rate(store_directory, 1.0);
  out["fdatasync_per_second"] = fdatasync_rate;
  progress("disk fdatasync/s=" + std::to_string(fdatasync_rate));

  json::array throughput;
  for (int count : options.workers) {
    std::vector<std::unique_ptr<ChildProcess>> workers;
    for (int w = 0; w < count; ++w) workers.push_back(start_worker(self, server.url(), 60000, "worker" + std::to_string(w)));
    Client client(server.url());
    measure_throughput(client, 0.3, options.concurrency);  // warm-up: connections, caches
    const double commits_before = metric(server.url(), "resonate_commits_total");
    const double requests_before = metric(server.url(), "resonate_committed_requests_total");
    const double rate = measure_throughput(client, options.seconds, options.concurrency);
    // Group commit: how many requests shared each store transaction (and its sync).
    const double commits = metric(server.url(), "resonate_commits_total") - commits_before;
    const double requests = metric(server.url(), "resonate_committed_requests_total") - requests_before;
    const double per_commit = commits > 0 ? requests / commits : 0;
    progress(std::string(out["store"].as_string()) + " workers=" + std::to_string(count) +
             " invocations/s=" + std::to_string(rate) + " requests/commit=" + std::to_string(per_commit));
    throughput.push_back(json::object{{"workers", count},
                                      {"invocations_per_second", rate},
                                      {"commits_per_second", commits / options.seconds},
                                      {"requests_per_commit", per_commit},
                                      // Each commit is one sync: syncs per invocation at saturation.
                                      {"syncs_per_invocation", rate > 0 ? commits / options.seconds / rate : 0},
                                      {"ratio_to_fdatasync_rate", fdatasync_rate > 0 ? rate / fdatasync_rate : 0}});
    if (count == options.workers.front()) {
      auto latency = measure_latency(client, options.seconds);
      json::object l;
      l["workers"] = count;
      l["samples"] = latency.rpc_ms.size();
      l["rpc_p50_ms"] = percentile(latency.rpc_ms, 0.5);
      l["rpc_p99_ms"] = percentile(latency.rpc_ms, 0.99);
      l["step_p50_ms"] = percentile(latency.step_ms, 0.5);
      l["step_p99_ms"] = percentile(latency.step_ms, 0.99);
      progress("latency " + json::serialize(l));
      out["latency"] = std::move(l);
      const auto late = measure_sleep_lateness(client, 20);
      json::object sleep;
      sleep["samples"] = late.size();
      sleep["late_p50_ms"] = percentile(late, 0.5);
      sleep["late_p99_ms"] = percentile(late, 0.99);
      sleep["late_max_ms"] = percentile(late, 1.0);
      progress("sleep " + json::serialize(sleep));
      out["sleep"] = std::move(sleep);
    }
    for (auto& worker : workers) worker->signal(SIGKILL);
  }
  out["throughput"] = std::move(throughput);

  json::array failover;
  for (int ttl : options.ttls) {
    const double seconds = measure_failover(self, server.url(), ttl);
    progress("failover ttl_ms=" + std::to_string(ttl) + " resumed_after_s=" + std::to_string(seconds));
    failover.push_back(json::object{{"ttl_ms", ttl}, {"resumed_after_s", seconds},
                                    {"beyond_ttl_ms", seconds * 1000 - ttl}});
  }
  out["failover"] = std::move(failover);

  if (!options.peer.empty()) {
    auto peer = measure_peer(options, self);
    const double ours = out["throughput"].as_array().front().as_object().at("invocations_per_second").to_number<double>();
    const double theirs = peer["invocations_per_second"].to_number<double>();
    peer["ours_to_peer"] = theirs > 0 ? ours / theirs : 0;
    out["peer"] = std::move(peer);
  }

  if (options.sleepers > 0) {
    if (postgres) throw std::invalid_argument("--sleepers needs a SQLite --store");
    out["sleepers"] = measure_sleepers(options, self);
  }

  if (!options.replicas.empty()) {
    if (!postgres) throw std::invalid_argument("--replicas needs a PostgreSQL --store");
    json::array replicated;
    for (int count : options.replicas) replicated.push_back(measure_replicas(options, self, server, count));
    out["replicas"] = std::move(replicated);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() >= 2 && args[0] == "worker") {
      return run_worker(args[1], std::chrono::milliseconds(args.size() > 2 ? std::stoll(args[2]) : 60000));
    }
    if (!args.empty() && args[0] == "drive") {
      DriveOptions options;
      for (std::size_t i = 1; i + 1 < args.size(); i += 2) {
        const auto& name = args[i];
        const auto& value = args[i + 1];
        if (name == "--server") options.server = value;
        else if (name == "--store") options.store = value;
        else if (name == "--workers") options.workers = parse_list(value);
        else if (name == "--ttls") options.ttls = parse_list(value);
        else if (name == "--seconds") options.seconds = std::stod(value);
        else if (name == "--concurrency") options.concurrency = std::stoi(value);
        else if (name == "--replicas") options.replicas = parse_list(value);
        else if (name == "--peer") options.peer = value;
        else if (name == "--sleepers") options.sleepers = std::stoi(value);
        else throw std::invalid_argument("unknown option " + name);
      }
      if (options.server.empty() || options.store.empty()) throw std::invalid_argument("--server and --store are required");
      const auto self = std::filesystem::canonical("/proc/self/exe").string();
      auto result = drive(options, self);
      std::printf("%s\n", json::serialize(result).c_str());
      return 0;
    }
    std::fprintf(stderr, "usage: %s drive --server PATH --store STORE [...] | worker URL TTL_MS\n", argv[0]);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "e2e_bench: %s\n", e.what());
    return 1;
  }
}
