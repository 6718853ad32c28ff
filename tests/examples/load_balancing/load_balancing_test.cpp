// The load-balancing example end to end: a resonate-server, two load_balancing_worker
// processes and load_balancing_client calls, each in its own process. The worker that started
// a long call is SIGKILLed in the middle of the call's sleep; the call must finish on the other
// worker at its original deadline, not a full sleep after the kill.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <unistd.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include "child_process.hpp"
#include "output_lines.hpp"
#include "scratch_directory.hpp"
#include "server_child.hpp"
#include "wall_clock.hpp"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using resonate::test_support::ChildProcess;
using resonate::test_support::epoch_ms;
using resonate::test_support::field;

// A worker's event line: "[NAME] EVENT id=ID ..." (the event padded with spaces).
std::function<bool(std::string_view)> event(const std::string& name, const std::string& what, const std::string& id) {
  return [prefix = "[" + name + "] " + what, id](std::string_view line) {
    return line.starts_with(prefix) && field(line, "id") == id;
  };
}

// The server, its database in a temporary directory, and the processes of one scenario.
class Demo {
 public:
  Demo() {
    // Debug logging: the server's "poll connected" lines tell when a worker can receive work.
    server_ = &start("server", resonate::test_support::serve_command(RESONATE_SERVER_PROGRAM, 0,
                                                                (directory_.path() / "resonate.db").string(),
                                                                {"--log-level", "debug"}));
    url_ = resonate::test_support::loopback_url(resonate::test_support::await_listening(*server_));
  }

  ~Demo() { processes_.clear(); }

  // A worker named `name`, started and connected to the server's message stream.
  ChildProcess& worker(const std::string& name) {
    auto& process = start(name, {LOAD_BALANCING_WORKER_PROGRAM, "--url", url_, "--name", name, "--ttl-ms", "3000"});
    const auto ready = process.wait_for_line_starting("[" + name + "] ready", 15s);
    REQUIRE_MESSAGE(ready.has_value(), transcript());
    const auto pid = field(*ready, "pid").value();
    REQUIRE_MESSAGE(resonate::test_support::await_poll_connected(*server_, pid), name << " did not connect\n" << transcript());
    return process;
  }

  // load_balancing_client for call `id`, waiting for its result.
  ChildProcess& client(const std::string& id, int cost) {
    return start("client " + id, {LOAD_BALANCING_CLIENT_PROGRAM, "--url", url_, "--id", id, "--cost",
                                  std::to_string(cost), "--wait"});
  }

  // The result the client of call `id` printed, as JSON.
  json::object result(ChildProcess& client, const std::string& id, std::chrono::seconds limit) {
    const auto line = client.wait_for_line(
        [&](std::string_view text) {
          return (text.starts_with("result ") || text.starts_with("error ")) && field(text, "id") == id;
        },
        limit);
    REQUIRE_MESSAGE(line.has_value(), "no result for " << id << "\n" << transcript());
    REQUIRE_MESSAGE(line->starts_with("result "), *line << "\n" << transcript());
    return json::parse(line->substr(line->find('{'))).as_object();
  }

  std::string transcript() const {
    std::string text;
    for (const auto& process : processes_) text += process->transcript(40);
    return text;
  }

 private:
  ChildProcess& start(std::string name, std::vector<std::string> arguments) {
    processes_.push_back(std::make_unique<ChildProcess>(std::move(name), std::move(arguments), directory_.path()));
    return *processes_.back();
  }

  resonate::test_support::ScratchDirectory directory_{"resonate-load-balancing"};
  std::vector<std::unique_ptr<ChildProcess>> processes_;
  ChildProcess* server_ = nullptr;
  std::string url_;
};

std::int64_t integer(const json::object& object, std::string_view key) { return object.at(key).to_number<std::int64_t>(); }

}  // namespace

TEST_CASE("calls spread over the workers; a call whose worker is SIGKILLed mid-sleep ends on time elsewhere") {
  Demo demo;
  std::vector<ChildProcess*> workers = {&demo.worker("worker-a"), &demo.worker("worker-b")};
  const std::vector<std::string> names = {"worker-a", "worker-b"};

  static constexpr int long_cost = 8;  // seconds
  auto& long_call = demo.client("job-long", long_cost);

  // Which worker took the long call (either may: the server picks one at random).
  std::optional<std::size_t> starter;
  std::int64_t seen_start_at = 0;
  for (const auto deadline = std::chrono::steady_clock::now() + 20s; !starter;) {
    REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, "nobody started job-long\n" << demo.transcript());
    for (std::size_t i = 0; i < workers.size() && !starter; ++i) {
      if (workers[i]->wait_for_line(event(names[i], "start", "job-long"), 100ms)) starter = i;
    }
  }
  seen_start_at = epoch_ms();
  const std::size_t survivor = 1 - *starter;

  // Short calls meanwhile: they are served by whichever workers are up.
  auto& short_1 = demo.client("job-short-1", 1);
  auto& short_2 = demo.client("job-short-2", 1);
  for (auto [client, id] : {std::pair{&short_1, "job-short-1"}, std::pair{&short_2, "job-short-2"}}) {
    const auto value = demo.result(*client, id, 30s);
    CHECK(value.at("id").as_string() == id);
    CHECK(integer(value, "cost") == 1);
    CHECK(integer(value, "finished_at") - integer(value, "started_at") >= 1000);
  }

  // The crash, halfway through the long call's sleep (a scenario timing, not a synchronisation).
  std::this_thread::sleep_until(std::chrono::system_clock::time_point(
      std::chrono::milliseconds(seen_start_at + long_cost * 1000 / 2)));
  workers[*starter]->signal(SIGKILL);
  REQUIRE(workers[*starter]->wait_for_exit(10s).has_value());
  const auto killed_at = epoch_ms();

  const auto value = demo.result(long_call, "job-long", 40s);
  const auto result_at = epoch_ms();
  INFO(demo.transcript());
  CHECK(value.at("id").as_string() == "job-long");
  CHECK(integer(value, "cost") == long_cost);
  CHECK(value.at("started_by").as_string() == names[*starter]);
  CHECK(value.at("finished_by").as_string() == names[survivor]);
  CHECK(workers[survivor]->has_printed(event(names[survivor], "resume", "job-long")));
  CHECK(workers[survivor]->has_printed(event(names[survivor], "done", "job-long")));

  // It waited only for the rest of its sleep: the end is close to first start + cost (the
  // server wakes timers on a 1 s tick), far from kill + cost.
  const auto took = integer(value, "finished_at") - integer(value, "started_at");
  CHECK(took >= long_cost * 1000);
  CHECK(took < long_cost * 1000 + 3000);
  CHECK(result_at - seen_start_at < long_cost * 1000 + 3000);
  CHECK(result_at - killed_at < long_cost * 1000);
}
