#include "load_balancing_calls.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include "output_lines.hpp"
#include "wall_clock.hpp"

namespace load_balancing {

namespace json = boost::json;
using namespace std::chrono_literals;
using resonate::test_support::epoch_ms;
using resonate::test_support::field;

std::function<bool(std::string_view)> event(const std::string& name, const std::string& what, const std::string& id) {
  return [prefix = "[" + name + "] " + what, id](std::string_view line) {
    return line.starts_with(prefix) && field(line, "id") == id;
  };
}

std::int64_t integer(const json::object& object, std::string_view key) { return object.at(key).to_number<std::int64_t>(); }

ChildProcess& Calls::worker(const std::string& name, int ttl_ms) {
  auto command = programs_.worker;
  command.insert(command.end(), {"--url", fleet_.url(), "--name", name, "--ttl-ms", std::to_string(ttl_ms)});
  auto& process = fleet_.start(name, std::move(command));
  const auto ready = process.wait_for_line_starting("[" + name + "] ready", 15s);
  REQUIRE_MESSAGE(ready.has_value(), fleet_.transcript());
  REQUIRE_MESSAGE(fleet_.await_poll_connected(field(*ready, "pid").value()),
                  name << " did not connect\n" << fleet_.transcript());
  return process;
}

ChildProcess& Calls::client(const std::string& id, int cost) {
  auto command = programs_.client;
  command.insert(command.end(), {"--url", fleet_.url(), "--id", id, "--cost", std::to_string(cost), "--wait"});
  return fleet_.start("client " + id, std::move(command));
}

json::object Calls::result(ChildProcess& client, const std::string& id, std::chrono::milliseconds limit) {
  const auto line = client.wait_for_line(resonate::test_support::outcome_line(id), limit);
  REQUIRE_MESSAGE(line.has_value(), "no result for " << id << "\n" << fleet_.transcript());
  REQUIRE_MESSAGE(line->starts_with("result "), *line << "\n" << fleet_.transcript());
  return json::parse(line->substr(line->find('{'))).as_object();
}

json::object crash_mid_sleep(Calls& calls) {
  const std::vector<std::string> names = {"worker-a", "worker-b"};
  std::vector<ChildProcess*> workers = {&calls.worker(names[0]), &calls.worker(names[1])};

  static constexpr int long_cost = 8;  // seconds
  auto& long_call = calls.client("job-long", long_cost);

  // Which worker took the long call (either may: the server picks one at random).
  std::optional<std::size_t> starter;
  for (const auto deadline = std::chrono::steady_clock::now() + 20s; !starter;) {
    REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, "nobody started job-long\n" << calls.fleet().transcript());
    for (std::size_t i = 0; i < workers.size() && !starter; ++i) {
      if (workers[i]->wait_for_line(event(names[i], "start", "job-long"), 100ms)) starter = i;
    }
  }
  const std::int64_t seen_start_at = epoch_ms();
  const std::size_t survivor = 1 - *starter;

  // Short calls meanwhile: they are served by whichever workers are up.
  json::array shorts;
  auto& short_1 = calls.client("job-short-1", 1);
  auto& short_2 = calls.client("job-short-2", 1);
  for (auto [client, id] : {std::pair{&short_1, "job-short-1"}, std::pair{&short_2, "job-short-2"}}) {
    const auto value = calls.result(*client, id, 30s);
    CHECK(value.at("id").as_string() == id);
    CHECK(integer(value, "cost") == 1);
    CHECK(integer(value, "finished_at") - integer(value, "started_at") >= 1000);
    shorts.push_back(json::object{{"id", value.at("id")}, {"cost", value.at("cost")}});
  }

  // The crash, halfway through the long call's sleep (a scenario timing, not a synchronisation).
  std::this_thread::sleep_until(std::chrono::system_clock::time_point(
      std::chrono::milliseconds(seen_start_at + long_cost * 1000 / 2)));
  workers[*starter]->signal(SIGKILL);
  REQUIRE(workers[*starter]->wait_for_exit(10s).has_value());
  const auto killed_at = epoch_ms();

  const auto value = calls.result(long_call, "job-long", 40s);
  const auto result_at = epoch_ms();
  INFO(calls.fleet().transcript());
  CHECK(value.at("id").as_string() == "job-long");
  CHECK(integer(value, "cost") == long_cost);
  CHECK(value.at("started_by").as_string() == names[*starter]);
  CHECK(value.at("finished_by").as_string() == names[survivor]);
  // The survivor printed "resume", then "done", before returning the result, but this test
  // reads its output on another thread: wait for the last of them (same pipe, so in order).
  const bool done = workers[survivor]->wait_for_line(event(names[survivor], "done", "job-long"), 30s).has_value();
  const bool resumed = workers[survivor]->has_printed(event(names[survivor], "resume", "job-long"));
  CHECK(resumed);
  CHECK(done);

  // It waited only for the rest of its sleep: a sleep that started again on the survivor
  // would end a whole cost after the kill (the bounds are what tells the two apart, not a
  // latency budget: the kill is half a cost after the start).
  const auto took = integer(value, "finished_at") - integer(value, "started_at");
  CHECK(took >= long_cost * 1000);
  CHECK(result_at - killed_at < long_cost * 1000);

  const auto role = [&](const json::value& name) -> std::string {
    if (name.as_string() == names[*starter]) return "starter";
    if (name.as_string() == names[survivor]) return "survivor";
    return "unknown worker";
  };
  return json::object{{"long", json::object{{"id", value.at("id")},
                                            {"cost", value.at("cost")},
                                            {"started_by", role(value.at("started_by"))},
                                            {"finished_by", role(value.at("finished_by"))},
                                            {"resumed_by_survivor", resumed},
                                            {"done_by_survivor", done}}},
                      {"shorts", shorts}};
}

}  // namespace load_balancing
