// The SDK against a real server: a C++ client in this process, C++ workers (sdk_remote_worker)
// in child processes that the tests start and SIGKILL. Every case runs against resonate-server
// and against memory_server.mjs, the TypeScript SDK's in-memory model (tests/interop).
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value_to.hpp>

#include "child_process.hpp"
#include "fleet.hpp"
#include "output_lines.hpp"
#include "resonate/resonate.hpp"
#include "typescript_sdk.hpp"
#include "wall_clock.hpp"

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using resonate::test_support::ChildProcess;
using resonate::test_support::epoch_ms;
using resonate::test_support::field;

// The server a case runs against: every case runs once on resonate-server and once on
// memory_server.mjs (doctest subcases; nullopt when the latter is skipped, see
// interop::sdk_available).
std::optional<resonate::test_support::ServerSpec> server_under_test() {
  std::optional<resonate::test_support::ServerSpec> server;
  SUBCASE("resonate-server") { server = resonate::test_support::resonate_server(RESONATE_SERVER_PROGRAM); }
  SUBCASE("memory-server") {
    if (interop::sdk_available()) server = interop::memory_server();
  }
  return server;
}

// A server, workers started on demand, and a client Resonate running on a background thread.
class World {
 public:
  explicit World(resonate::test_support::ServerSpec server) : fleet_(std::move(server), "resonate-sdk") {
    resonate::RemoteConfig config;
    config.url = fleet_.url();
    config.group = "clients";
    client_.emplace(resonate::Resonate::remote(io_.get_executor(), config));
    thread_ = std::thread([this] { io_.run(); });
  }

  ~World() {
    client_->stop();
    work_.reset();
    io_.stop();
    thread_.join();
  }

  // Kills the server with SIGKILL and starts a new one on the same port (and database).
  void restart_server() { fleet_.restart_server(); }

  // A worker of group `workers`, started and connected to the server's message stream;
  // `options` of sdk_remote_worker: "--new-release" adds a function the others do not have.
  ChildProcess& worker(const std::string& name, int ttl_ms = 4000, const std::vector<std::string>& options = {}) {
    std::vector<std::string> arguments{SDK_REMOTE_WORKER_PROGRAM, fleet_.url(), std::to_string(ttl_ms)};
    arguments.insert(arguments.end(), options.begin(), options.end());
    auto& process = fleet_.start(name, std::move(arguments));
    const auto ready = process.wait_for_line_starting("ready", 15s);
    REQUIRE_MESSAGE(ready.has_value(), transcript());
    await_connected(name, field(*ready, "pid").value());
    return process;
  }

  // Waits until the current server has a message stream of worker `pid`.
  void await_connected(const std::string& name, const std::string& pid) {
    REQUIRE_MESSAGE(fleet_.await_poll_connected(pid), "worker " << name << " did not connect\n" << transcript());
  }

  const std::string& url() const { return fleet_.url(); }
  resonate::test_support::Fleet& fleet() { return fleet_; }

  // Any other program, run in the world's directory (the CLI).
  ChildProcess& program(std::string name, std::vector<std::string> arguments) {
    return fleet_.start(std::move(name), std::move(arguments));
  }

  // Runs `body` on the client's io_context and waits for it.
  template <class T>
  T client(std::function<asio::awaitable<T>(resonate::Resonate&)> body, std::chrono::seconds limit = 60s) {
    auto future = asio::co_spawn(io_, body(*client_), asio::use_future);
    REQUIRE_MESSAGE(future.wait_for(limit) == std::future_status::ready, "client call timed out\n" << transcript());
    return future.get();
  }

  std::string transcript() const { return fleet_.transcript(40); }

 private:
  resonate::test_support::Fleet fleet_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::optional<resonate::Resonate> client_;
  std::thread thread_;
};

auto starts_with_id(std::string prefix, std::string id) {
  return [prefix = std::move(prefix), id = std::move(id)](std::string_view line) {
    return line.starts_with(prefix) && field(line, "id") == id;
  };
}

}  // namespace

TEST_CASE("a C++ client calls a C++ worker through the server; the same id runs once") {
  const auto server = server_under_test();
  if (!server) return;
  World world(*server);
  auto& worker = world.worker("worker-a");
  auto result = world.client<int>([](resonate::Resonate& r) -> asio::awaitable<int> {
    co_return co_await r.rpc<int>("double-1", "double_it", 21).target("workers");
  });
  CHECK(result == 42);
  auto again = world.client<int>([](resonate::Resonate& r) -> asio::awaitable<int> {
    auto first = co_await r.rpc<int>("double-1", "double_it", 99).target("workers").spawn();
    co_return co_await first.result();
  });
  CHECK(again == 42);
  // The worker printed its line before returning, but this test reads its output on another
  // thread: the result can arrive first. Wait for the line, then count.
  CHECK(worker.wait_for_line(starts_with_id("double ", "double-1"), 30s));
  CHECK(worker.count(starts_with_id("double ", "double-1")) == 1);
}

TEST_CASE("a client learns the result from the unblock message: one listener registration per awaited call") {
  // resonate-server only: its debug log names the kind of every request.
  World world(resonate::test_support::resonate_server(RESONATE_SERVER_PROGRAM));
  world.worker("worker-a");
  // A call that sleeps, so the client registers its listener long before the result exists.
  auto result = world.client<std::string>([](resonate::Resonate& r) -> asio::awaitable<std::string> {
    co_return co_await r.rpc<std::string>("unblocked-1", "nap", 300).target("workers");
  });
  CHECK(result == "slept 300");
  const auto is_registration = [](std::string_view line) {
    return line.find("kind=promise.register_listener") != std::string_view::npos;
  };
  // The server's log is read on another thread: wait for the line, then count.
  REQUIRE_MESSAGE(world.fleet().server().wait_for_line(is_registration, 30s), world.transcript());
  const auto registrations = world.fleet().server().count(is_registration);
  // One by the client for unblocked-1; the worker awaits its own children through callbacks.
  CHECK_MESSAGE(registrations == 1, world.transcript());
}

TEST_CASE("a worker reconnects its message stream after the server restarts") {
  const auto server = server_under_test();
  if (!server) return;
  World world(*server);
  auto& worker = world.worker("worker-a");
  const auto pid = field(worker.wait_for_line_starting("ready", 1s).value(), "pid").value();
  world.restart_server();
  world.await_connected("worker-a", pid);  // after the 1, 2, 4 ... s backoff
  auto result = world.client<int>([](resonate::Resonate& r) -> asio::awaitable<int> {
    co_return co_await r.rpc<int>("after-restart-1", "double_it", 8).target("workers");
  });
  CHECK(result == 16);
}

TEST_CASE("a worker SIGKILLed mid-sleep is resumed by another at the original deadline") {
  const auto server = server_under_test();
  if (!server) return;
  World world(*server);
  auto& first = world.worker("worker-a");
  static constexpr int sleep_ms = 10000;
  auto handle = world.client<resonate::Handle<std::string>>(
      [](resonate::Resonate& r) -> asio::awaitable<resonate::Handle<std::string>> {
        co_return co_await r.rpc<std::string>("nap-1", "nap", sleep_ms).target("workers").spawn();
      });
  const auto line = first.wait_for_line(starts_with_id("before-sleep ", "nap-1"), 15s);
  REQUIRE_MESSAGE(line.has_value(), world.transcript());
  const auto slept_at = std::stoll(field(*line, "at").value());
  // The crash happens 70 % through the sleep (a scenario timing, not a synchronisation).
  std::this_thread::sleep_until(
      std::chrono::system_clock::time_point(std::chrono::milliseconds(slept_at + sleep_ms * 7 / 10)));
  first.signal(SIGKILL);
  const auto killed_at = epoch_ms();
  world.worker("worker-b");
  auto result = world.client<std::string>([handle](resonate::Resonate&) { return handle.result(); });
  const auto finished_at = epoch_ms();
  CHECK(result == "slept 10000");
  // Resumed at the original deadline, not a full sleep after the kill (what a sleep started
  // again would take): the bound is the kill's, so a late kill or a loaded machine moves both.
  CHECK(finished_at - slept_at >= sleep_ms);
  CHECK_MESSAGE(finished_at - killed_at < sleep_ms, world.transcript());
}

TEST_CASE("a worker SIGKILLed while holding a task loses it to another worker after the lease") {
  const auto server = server_under_test();
  if (!server) return;
  World world(*server);
  // The first worker's step never ends: only the second one can produce the result.
  auto& first = world.worker("worker-a", 4000, {"--stall-holds"});
  auto handle = world.client<resonate::Handle<std::string>>(
      [](resonate::Resonate& r) -> asio::awaitable<resonate::Handle<std::string>> {
        co_return co_await r.rpc<std::string>("hold-1", "hold", 1000).target("workers").spawn();
      });
  REQUIRE_MESSAGE(first.wait_for_line(starts_with_id("step-start ", "hold-1"), 15s).has_value(), world.transcript());
  first.signal(SIGKILL);
  auto& second = world.worker("worker-b");
  auto result = world.client<std::string>([handle](resonate::Resonate&) { return handle.result(); });
  const auto second_pid = field(second.wait_for_line_starting("ready", 1s).value(), "pid").value();
  CHECK(result == second_pid);
}

TEST_CASE("a worker stopped gracefully hands its task to another worker at once, not after the lease") {
  const auto server = server_under_test();
  if (!server) return;
  World world(*server);
  static constexpr int ttl_ms = 120000;  // a lapsed lease would take two minutes
  // The first worker's step never ends: the result can only come from the second worker.
  auto& first = world.worker("worker-a", ttl_ms, {"--stall-holds"});
  auto handle = world.client<resonate::Handle<std::string>>(
      [](resonate::Resonate& r) -> asio::awaitable<resonate::Handle<std::string>> {
        co_return co_await r.rpc<std::string>("hold-2", "hold", 3000).target("workers").spawn();
      });
  REQUIRE_MESSAGE(first.wait_for_line(starts_with_id("step-start ", "hold-2"), 15s).has_value(), world.transcript());
  auto& second = world.worker("worker-b", ttl_ms);
  first.signal(SIGTERM);
  // Well inside the lease: only a release on stop lets the second worker in this soon.
  auto result = world.client<std::string>([handle](resonate::Resonate&) { return handle.result(); }, 60s);
  CHECK(result == field(second.wait_for_line_starting("ready", 1s).value(), "pid").value());
  CHECK(first.wait_for_line_starting("stopping", 1s).has_value());
}

TEST_CASE("heartbeats keep the lease of a step that runs longer than the ttl") {
  const auto server = server_under_test();
  if (!server) return;
  World world(*server);
  // A ttl of 8 s and a step of 20 s: the lease would lapse twice without heartbeats (one every
  // ttl/2), while the machine may stall for seconds without losing it (one CI run stalled ~5 s,
  // as long as the 5 s lease this test had).
  auto& worker = world.worker("worker-a", 8000);
  auto result = world.client<std::string>([](resonate::Resonate& r) -> asio::awaitable<std::string> {
    co_return co_await r.rpc<std::string>("long-1", "hold", 20000).target("workers");
  });
  CHECK(result == field(worker.wait_for_line_starting("ready", 1s).value(), "pid").value());
  CHECK_MESSAGE(worker.count(starts_with_id("step-start ", "long-1")) == 1, world.transcript());
}

TEST_CASE("rolling deploy: a worker without the called function passes the task on until one with it takes it") {
  const auto server = server_under_test();
  if (!server) return;
  World world(*server);
  auto& old_release = world.worker("worker-old");
  auto handle = world.client<resonate::Handle<int>>([](resonate::Resonate& r) -> asio::awaitable<resonate::Handle<int>> {
    co_return co_await r.rpc<int>("triple-1", "triple_it", 7).target("workers").spawn();
  });
  // The old worker is offered the task, says so once and releases it, again and again.
  REQUIRE_MESSAGE(old_release.wait_for_line(
                      [](std::string_view line) {
                        return line.find("has not registered") != std::string_view::npos &&
                               line.find("triple_it") != std::string_view::npos;
                      },
                      15s),
                  world.transcript());
  auto& new_release = world.worker("worker-new", 4000, {"--new-release"});
  CHECK(world.client<int>([handle](resonate::Resonate&) { return handle.result(); }) == 21);
  CHECK(new_release.wait_for_line(starts_with_id("triple ", "triple-1"), 30s));  // read on another thread
  CHECK(new_release.count(starts_with_id("triple ", "triple-1")) == 1);
  // Not failed for good, and the warning is not repeated on every offer.
  CHECK(old_release.count([](std::string_view line) {
          return line.find("has not registered") != std::string_view::npos;
        }) == 1);
}

TEST_CASE("a worker told to give up on unknown functions rejects the promise at the n-th offer") {
  const auto server = server_under_test();
  if (!server) return;
  World world(*server);
  world.worker("worker-old", 4000, {"--reject-unknown-after=3"});
  auto handle = world.client<resonate::Handle<int>>([](resonate::Resonate& r) -> asio::awaitable<resonate::Handle<int>> {
    co_return co_await r.rpc<int>("triple-2", "triple_it", 7).target("workers").spawn();
  });
  auto failure = world.client<std::string>([handle](resonate::Resonate&) -> asio::awaitable<std::string> {
    try {
      co_await handle.result();
    } catch (const resonate::ExecutionError& error) {
      co_return error.name() + ": " + error.what();
    }
    co_return "resolved";
  });
  CHECK(failure.starts_with("UnknownFunctionError: function 'triple_it' (version 1) is not registered"));
}

TEST_CASE("a deploy that moves a durable call parks the executions it cannot replay; a fixed deploy continues them") {
  const auto server = server_under_test();
  if (!server) return;
  World world(*server);
  auto& first_release = world.worker("worker-first");
  auto handle = world.client<resonate::Handle<int>>([](resonate::Resonate& r) -> asio::awaitable<resonate::Handle<int>> {
    co_return co_await r.rpc<int>("shifty-9", "shifty").target("workers").spawn();
  });
  REQUIRE_MESSAGE(first_release.wait_for_line(starts_with_id("shifty-waiting ", "shifty-9"), 15s), world.transcript());
  first_release.signal(SIGKILL);
  // The bad release takes the next pass and stops at the moved call: it parks the task.
  auto& bad_release = world.worker("worker-bad", 4000, {"--shifty-moved"});
  world.client<bool>([](resonate::Resonate& r) -> asio::awaitable<bool> {
    co_await r.resolve("shifty-9:1", true);
    co_return true;
  });
  const auto parked = bad_release.wait_for_line(
      [](std::string_view line) { return line.find("replay diverged") != std::string_view::npos; }, 15s);
  REQUIRE_MESSAGE(parked.has_value(), world.transcript());
  CHECK(parked->find("shifty-9:0") != std::string::npos);
  CHECK(bad_release.count(starts_with_id("shifty-past ", "shifty-9")) == 0);
  bad_release.signal(SIGKILL);
  // The fixed release replays it once an operator continues the task.
  auto& fixed_release = world.worker("worker-fixed");
  auto& cli = world.program("cli", {RESONATE_CLI_PROGRAM, "--server", world.url(), "tasks", "continue", "shifty-9"});
  REQUIRE_MESSAGE(cli.wait_for_exit(15s) == 0, world.transcript());
  CHECK(world.client<int>([handle](resonate::Resonate&) { return handle.result(); }) == 1);
  CHECK(fixed_release.wait_for_line(starts_with_id("shifty-past ", "shifty-9"), 30s));  // read on another thread
  CHECK(fixed_release.count(starts_with_id("shifty-past ", "shifty-9")) == 1);
}

TEST_CASE("an rpc to a group without workers waits until one connects") {
  const auto server = server_under_test();
  if (!server) return;
  World world(*server);
  auto handle = world.client<resonate::Handle<int>>([](resonate::Resonate& r) -> asio::awaitable<resonate::Handle<int>> {
    co_return co_await r.rpc<int>("late-1", "double_it", 5).target("workers").spawn();
  });
  world.worker("worker-a");
  CHECK(world.client<int>([handle](resonate::Resonate&) { return handle.result(); }, 90s) == 10);
}

// --- interop with the official TypeScript SDK (tests/interop/*.mjs) ---------------------------

TEST_CASE("a C++ client calls a function of a TypeScript worker (ctx.run and ctx.sleep inside)") {
  if (!interop::sdk_available()) return;
  const auto server = server_under_test();
  if (!server) return;
  World world(*server);
  interop::start_worker(world.fleet(), "ts1", 4000);
  auto value = world.client<boost::json::object>([](resonate::Resonate& r) -> asio::awaitable<boost::json::object> {
    const std::vector<int> numbers = {2, 3, 4};  // (outside co_await: GCC 12 miscompiles braced lists there)
    co_return co_await r.rpc<boost::json::object>("ts-compute-1", "compute", numbers, 300).target("workers");
  });
  CHECK(value.at("sum").to_number<int>() == 9);
  CHECK(value.at("product").to_number<int>() == 24);
  CHECK(value.at("wokeAt").to_number<std::int64_t>() - value.at("startedAt").to_number<std::int64_t>() >= 300);
}

TEST_CASE("a TypeScript client calls functions of a C++ worker") {
  if (!interop::sdk_available()) return;
  const auto server = server_under_test();
  if (!server) return;
  World world(*server);
  world.worker("worker-a");
  auto client = [&](const std::string& id, const std::string& func, const std::string& args) -> std::string {
    auto& process = interop::start_client(world.fleet(), id, func, args);
    return interop::field(interop::await_result_line(world.fleet(), process, id, 60s), "value").value();
  };
  CHECK(client("ts-calls-cpp-1", "double_it", "[21]") == "42");
  // A C++ workflow with a step, a durable sleep and a nested rpc, awaited by the TS SDK.
  CHECK(client("ts-calls-cpp-2", "nap", "[200]") == "\"slept 200\"");
}
