#include "soak_run.hpp"

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <future>
#include <initializer_list>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "child_process.hpp"
#include "output_lines.hpp"
#include "resonate/resonate.hpp"
#include "scratch_directory.hpp"
#include "sdk/base64.hpp"
#include "server_child.hpp"
#include "soak_chain.hpp"
#include "test_client.hpp"

namespace resonate::soak {

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using resonate::test_support::ChildProcess;
using resonate::test_support::field;
using Clock = std::chrono::steady_clock;

std::optional<std::int64_t> number_field(std::string_view line, std::string_view key) {
  const auto text = field(line, key);
  if (!text || text->empty()) return std::nullopt;
  try {
    std::size_t used = 0;
    const auto value = std::stoll(*text, &used);
    if (used != text->size()) return std::nullopt;
    return value;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// The input of root promise "soak-<input>"; nullopt for any other id.
std::optional<std::int64_t> input_of(std::string_view root) {
  if (!root.starts_with("soak-")) return std::nullopt;
  root.remove_prefix(5);
  if (root.empty() || root.size() > 12) return std::nullopt;
  std::int64_t value = 0;
  for (const char c : root) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// What the workers printed, over every worker process that ever ran.
struct WorkerOutput {
  std::size_t invocations = 0;
  std::size_t step_runs = 0;
  std::size_t completions = 0;
  std::set<std::pair<std::string, int>> steps_done;
  std::vector<std::string> wrong_lines;  // a step or a result with a value other than expected
  // Not a line the worker prints (a field missing or not a number, text glued on): the
  // harness's output is broken, which says nothing about durability either way.
  std::vector<std::string> malformed_lines;
};

// Whether every `key=value` field of `line` after its first word is one of `keys`, each once,
// with a non-empty value: the exact shape print_line writes.
bool well_formed(std::string_view line, std::initializer_list<std::string_view> keys) {
  std::size_t fields = 0;
  std::size_t start = line.find(' ');
  while (start != std::string_view::npos) {
    const auto end = line.find(' ', start + 1);
    const auto word = line.substr(start + 1, end == std::string_view::npos ? std::string_view::npos : end - start - 1);
    const auto equals = word.find('=');
    if (equals == std::string_view::npos || equals + 1 == word.size()) return false;
    if (std::find(keys.begin(), keys.end(), word.substr(0, equals)) == keys.end()) return false;
    ++fields;
    start = end;
  }
  return fields == keys.size();
}

void tally(const ChildProcess& process, WorkerOutput& output) {
  const std::string prefix = "[" + process.name() + "] ";
  const std::string text = process.transcript(std::numeric_limits<std::size_t>::max());
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (line.starts_with(prefix)) line.remove_prefix(prefix.size());
    const auto id = field(line, "id");
    const bool numbers_parse = [&] {
      for (const auto key : {"index", "in", "out", "value"}) {
        if (field(line, key) && !number_field(line, key)) return false;
      }
      return true;
    }();
    const bool malformed =
        !numbers_parse || (line.starts_with("invoke ") && !well_formed(line, {"id"})) ||
        (line.starts_with("step-begin ") && !well_formed(line, {"id", "index", "in"})) ||
        (line.starts_with("step ") && !well_formed(line, {"id", "index", "in", "out"})) ||
        (line.starts_with("done ") && !well_formed(line, {"id", "value"}));
    if (malformed) {
      output.malformed_lines.emplace_back(line);
      continue;
    }
    if (line.starts_with("invoke ")) {
      ++output.invocations;
    } else if (line.starts_with("step-begin ")) {
      ++output.step_runs;
      const std::int64_t input = id ? input_of(*id).value_or(-1) : -1;
      const std::int64_t index = number_field(line, "index").value_or(-1);
      const std::int64_t in = number_field(line, "in").value_or(-1);
      if (input < 0 || index < 0 || index >= steps_per_execution || in != step_input(input, static_cast<int>(index))) {
        output.wrong_lines.emplace_back(line);
      }
    } else if (line.starts_with("step ")) {
      // -1 marks a missing or malformed field: every real input and value is non-negative.
      const std::int64_t input = id ? input_of(*id).value_or(-1) : -1;
      const std::int64_t index = number_field(line, "index").value_or(-1);
      const std::int64_t in = number_field(line, "in").value_or(-1);
      const std::int64_t out = number_field(line, "out").value_or(-1);
      const bool expected = input >= 0 && index >= 0 && index < steps_per_execution &&
                            in == step_input(input, static_cast<int>(index)) &&
                            out == expected_step(input, static_cast<int>(index));
      if (!expected) {
        output.wrong_lines.emplace_back(line);
        continue;
      }
      output.steps_done.emplace(*id, static_cast<int>(index));
    } else if (line.starts_with("done ")) {
      ++output.completions;
      const std::int64_t input = id ? input_of(*id).value_or(-1) : -1;
      const std::int64_t value = number_field(line, "value").value_or(-1);
      if (input < 0 || value != expected_result(input)) output.wrong_lines.emplace_back(line);
    }
  }
}

// The int64 a settled promise holds: its value is base64(JSON).
std::optional<std::int64_t> value_of(const json::object& promise) {
  const auto* value = promise.if_contains("value");
  if (!value || !value->is_object()) return std::nullopt;
  const auto* data = value->as_object().if_contains("data");
  if (!data || !data->is_string()) return std::nullopt;
  const auto decoded = sdk::base64_decode(data->as_string());
  if (!decoded) return std::nullopt;
  boost::system::error_code error;
  const auto parsed = json::parse(*decoded, error);
  if (error || !parsed.is_int64()) return std::nullopt;
  return parsed.as_int64();
}

// Starts execution `input` (or attaches to it when it exists: the same id runs once).
asio::awaitable<Handle<std::int64_t>> start_execution(Resonate& client, std::int64_t input) {
  const std::string id = root_id(input);
  auto call = client.rpc<std::int64_t>(id, "soak_chain", input);
  call.target("soak");
  call.tags(Tags{{"soak", "root"}});
  auto handle = co_await call.spawn();
  co_return handle;
}

// The ids of executions whose handle does not yield the expected value, with the reason.
asio::awaitable<std::vector<std::string>> check_results(std::vector<Handle<std::int64_t>> handles) {
  std::vector<std::string> wrong;
  for (std::size_t input = 0; input < handles.size(); ++input) {
    try {
      const auto value = co_await handles[input].result();
      if (value != expected_result(static_cast<std::int64_t>(input))) {
        wrong.push_back(root_id(static_cast<std::int64_t>(input)) + ": SDK result " + std::to_string(value));
      }
    } catch (const std::exception& error) {
      wrong.push_back(root_id(static_cast<std::int64_t>(input)) + ": SDK result failed: " + error.what());
    }
  }
  co_return wrong;
}

enum class Action { kill_worker, restart_server };

struct PlannedAction {
  double at_progress;  // fraction of all steps done
  Action action;
};

class Soak {
 public:
  explicit Soak(const SoakParameters& parameters) : parameters_(parameters), random_(parameters.seed) {
    report_.executions = parameters.executions;
    report_.workers = parameters.workers;
    report_.replicas = std::max(1, parameters.replicas);
  }

  ~Soak() {
    if (client_) client_->stop();
    work_.reset();
    io_.stop();
    if (client_thread_.joinable()) client_thread_.join();
    processes_.clear();
  }

  SoakReport run() {
    if (parameters_.replicas > 1 && parameters_.store.empty()) {
      throw std::invalid_argument("a replicated soak needs a PostgreSQL store shared by its replicas");
    }
    store_ = parameters_.store.empty() ? (directory_.path() / "soak.db").string() : parameters_.store;
    for (int replica = 0; replica < std::max(1, parameters_.replicas); ++replica) {
      servers_.push_back(nullptr);
      ports_.push_back(0);
      start_server(static_cast<std::size_t>(replica));
    }
    // Every promise of the store is checked at the end: one left by an earlier run (a reused
    // PostgreSQL database) would be a violation, and its ids would collide with this run's.
    {
      const auto result = test_support::rpc(static_cast<std::uint16_t>(ports_[0]), "promise.search",
                                            json::object{{"limit", 1}});
      const auto* found = result.status() == 200 ? result.data().as_object().if_contains("promises") : nullptr;
      if (!found || !found->is_array()) throw std::runtime_error("promise.search answered " + std::to_string(result.status()));
      if (!found->as_array().empty()) {
        throw std::invalid_argument("the store already holds promises (e.g. " + json::serialize(found->as_array().front()) +
                                    "): a soak needs an empty database");
      }
    }
    for (int i = 0; i < parameters_.workers; ++i) workers_.push_back(start_worker());
    RemoteConfig config;
    config.url = urls_from(0);
    config.group = "soak-clients";
    client_.emplace(Resonate::remote(io_.get_executor(), config));
    client_thread_ = std::thread([this] { io_.run(); });

    plan_actions();
    const auto started = Clock::now();
    const auto deadline = started + parameters_.deadline;
    std::size_t next_action = 0;
    std::optional<Clock::time_point> action_due;
    handles_.resize(static_cast<std::size_t>(parameters_.executions));

    while (Clock::now() < deadline) {
      spawn_some();
      WorkerOutput output;
      for (const auto& process : processes_) {
        if (process->name().starts_with("worker")) tally(*process, output);
      }
      const double progress = static_cast<double>(output.steps_done.size()) /
                              (static_cast<double>(parameters_.executions) * steps_per_execution);
      // An action is due a random moment (0–400 ms) after the progress passed its mark.
      if (next_action < plan_.size() && !action_due && progress >= plan_[next_action].at_progress) {
        action_due = Clock::now() + std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 400)(random_));
      }
      if (action_due && Clock::now() >= *action_due) {
        perform(plan_[next_action].action);
        ++next_action;
        action_due.reset();
      }
      const auto settled = count_settled_roots();
      if (settled) report_.settled = *settled;
      if (parameters_.progress) {
        std::fprintf(stderr, "soak: %5.1f s  spawned %d  steps %zu/%d  settled %d/%d  kills %d  restarts %d\n",
                     std::chrono::duration<double>(Clock::now() - started).count(), spawned_, output.steps_done.size(),
                     parameters_.executions * steps_per_execution, report_.settled, parameters_.executions,
                     report_.worker_kills, report_.server_restarts);
      }
      // (Marks passed near the end may leave kills due after the last settle; they still happen.)
      if (spawned_ == parameters_.executions && report_.settled == parameters_.executions &&
          next_action == plan_.size()) {
        break;
      }
      // Pacing between rounds of the driver (the checks themselves wait for state, not time).
      std::this_thread::sleep_for(200ms);
    }
    report_.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
    if (report_.settled != parameters_.executions) {
      report_.violations.push_back("only " + std::to_string(report_.settled) + " of " +
                                   std::to_string(parameters_.executions) + " executions settled within " +
                                   std::to_string(parameters_.deadline.count()) + " s");
    }
    if (next_action < plan_.size()) {
      report_.violations.push_back(std::to_string(plan_.size() - next_action) + " planned kills were not reached");
    }
    verify();
    report_.transcript = transcript();
    return std::move(report_);
  }

 private:
  // Kill moments at random fractions of the work, the server restarts among them at random.
  void plan_actions() {
    std::uniform_real_distribution<double> moment(0.05, 0.85);
    for (int i = 0; i < parameters_.worker_kills; ++i) plan_.push_back({moment(random_), Action::kill_worker});
    for (int i = 0; i < parameters_.server_restarts; ++i) plan_.push_back({moment(random_), Action::restart_server});
    std::sort(plan_.begin(), plan_.end(), [](const auto& a, const auto& b) { return a.at_progress < b.at_progress; });
  }

  void perform(Action action) {
    if (action == Action::restart_server) {
      restart_server();
      return;
    }
    const auto victim = std::uniform_int_distribution<std::size_t>(0, workers_.size() - 1)(random_);
    workers_[victim]->signal(SIGKILL);
    if (!workers_[victim]->wait_for_exit(10s)) throw std::runtime_error("a SIGKILLed worker did not exit");
    ++report_.worker_kills;
    workers_[victim] = start_worker();
  }

  // SIGKILLs one server (a random replica) and starts it again on its port.
  void restart_server() {
    const auto replica = std::uniform_int_distribution<std::size_t>(0, servers_.size() - 1)(random_);
    kill_server(replica);
    ++report_.server_restarts;
    start_server(replica);
  }

  // The last crash before the checks: every replica at once.
  void restart_all_servers() {
    for (std::size_t replica = 0; replica < servers_.size(); ++replica) kill_server(replica);
    ++report_.server_restarts;
    for (std::size_t replica = 0; replica < servers_.size(); ++replica) start_server(replica);
  }

  void kill_server(std::size_t replica) {
    servers_[replica]->signal(SIGKILL);
    if (!servers_[replica]->wait_for_exit(10s)) throw std::runtime_error("a SIGKILLed server did not exit");
  }

  // Starts replica `replica` on its port (a free one the first time).
  void start_server(std::size_t replica) {
    std::vector<std::string> options{"--retry-interval-ms", std::to_string(parameters_.retry_interval.count()),
                                     "--log-level", "info"};
    if (servers_.size() > 1) options.insert(options.end(), {"--replica-id", "r" + std::to_string(replica)});
    servers_[replica] = &start("server-" + std::to_string(++server_starts_),
                               resonate::test_support::serve_command(parameters_.server_program, ports_[replica],
                                                                     store_, options));
    ports_[replica] = resonate::test_support::await_listening(*servers_[replica]);
  }

  // Every replica's URL, comma-separated, starting with replica `first`.
  std::string urls_from(std::size_t first) const {
    std::string list;
    for (std::size_t i = 0; i < ports_.size(); ++i) {
      if (!list.empty()) list += ",";
      list += resonate::test_support::loopback_url(ports_[(first + i) % ports_.size()]);
    }
    return list;
  }

  ChildProcess* start_worker() {
    const auto first = static_cast<std::size_t>(report_.worker_starts) % ports_.size();
    auto* worker = &start("worker-" + std::to_string(++report_.worker_starts),
                          {parameters_.worker_program, urls_from(first), std::to_string(parameters_.worker_ttl.count())});
    if (!worker->wait_for_line_starting("ready", 15s)) throw std::runtime_error("a worker did not start\n" + transcript());
    return worker;
  }

  ChildProcess& start(std::string name, std::vector<std::string> arguments) {
    processes_.push_back(std::make_unique<ChildProcess>(std::move(name), std::move(arguments), directory_.path()));
    return *processes_.back();
  }

  // Starts the next batch of executions through the SDK; a call that fails (the server is
  // down) is repeated in the next round.
  void spawn_some() {
    const int end = std::min(parameters_.executions, spawned_ + parameters_.spawn_batch);
    std::vector<std::pair<int, std::future<Handle<std::int64_t>>>> calls;
    for (int input = spawned_; input < end; ++input) {
      calls.emplace_back(input, asio::co_spawn(io_, start_execution(*client_, input), asio::use_future));
    }
    for (auto& [input, call] : calls) {
      if (call.wait_for(30s) != std::future_status::ready) throw std::runtime_error("a client call hung");
      try {
        handles_[static_cast<std::size_t>(input)] = call.get();
        if (input == spawned_) ++spawned_;
      } catch (const std::exception&) {
        ++report_.spawn_retries;
      }
    }
    // Executions that failed to start are retried (and those after them re-attach: same id).
  }

  // Resolved root promises per the server; nullopt while it is unreachable.
  std::optional<int> count_settled_roots() {
    try {
      int settled = 0;
      std::optional<std::string> cursor;
      do {
        json::object data{{"state", "resolved"}, {"tags", json::object{{"soak", "root"}}}, {"limit", 1000}};
        if (cursor) data["cursor"] = *cursor;
        const auto result = test_support::rpc(static_cast<std::uint16_t>(ports_[0]), "promise.search", std::move(data));
        if (result.status() != 200) throw std::runtime_error("promise.search " + std::to_string(result.status()));
        const auto& found = result.data().as_object();
        settled += static_cast<int>(found.at("promises").as_array().size());
        cursor.reset();
        if (const auto* next = found.if_contains("cursor"); next && next->is_string()) {
          cursor = std::string(next->as_string());
        }
      } while (cursor);
      return settled;
    } catch (const std::exception&) {
      ++report_.failed_polls;
      return std::nullopt;
    }
  }

  // Every record of `kind` ("promise" or "task") matching `filter`, by id.
  std::map<std::string, json::object> search_all(const std::string& kind, json::object filter) {
    std::map<std::string, json::object> records;
    std::optional<std::string> cursor;
    do {
      json::object data = filter;
      data["limit"] = 1000;
      if (cursor) data["cursor"] = *cursor;
      const auto result = test_support::rpc(static_cast<std::uint16_t>(ports_[0]), kind + ".search", std::move(data));
      if (result.status() != 200) throw std::runtime_error(kind + ".search answered " + std::to_string(result.status()));
      const auto& found = result.data().as_object();
      for (const auto& record : found.at(kind + "s").as_array()) {
        const auto& object = record.as_object();
        records.emplace(std::string(object.at("id").as_string()), object);
      }
      cursor.reset();
      if (const auto* next = found.if_contains("cursor"); next && next->is_string()) cursor = std::string(next->as_string());
    } while (cursor);
    return records;
  }

  void violation(std::string text) {
    // Enough to diagnose; a systematic fault would otherwise print thousands of lines.
    if (report_.violations.size() < 50) report_.violations.push_back(std::move(text));
  }

  void verify() {
    WorkerOutput output;
    for (const auto& process : processes_) {
      if (process->name().starts_with("worker")) tally(*process, output);
    }
    report_.invocations = output.invocations;
    report_.step_runs = output.step_runs;
    report_.completions = output.completions;
    for (const auto& line : output.wrong_lines) violation("a worker computed an unexpected value: " + line);
    for (const auto& line : output.malformed_lines) {
      if (report_.harness_errors.size() < 50) report_.harness_errors.push_back("a worker printed a malformed line: " + line);
    }

    std::map<std::string, json::object> before;
    try {
      before = search_all("promise", {});
      // The last crash: everything checked below must have survived it on disk.
      restart_all_servers();
      auto after = search_all("promise", {});
      // (Only meaningful when the work is over: unfinished executions still move meanwhile.)
      if (report_.settled == parameters_.executions && after != before) {
        violation("the promises differ before and after the final server restart");
      }
      check_promises(after);
      for (const char* state : {"pending", "acquired", "suspended", "halted"}) {
        const auto unfinished = search_all("task", {{"state", state}});
        for (const auto& [id, task] : unfinished) violation("task " + id + " is still " + state);
      }
    } catch (const std::exception& error) {
      violation(std::string("cannot read the server's records: ") + error.what());
    }

    // The client's view through the SDK: every handle yields the expected value. (Skipped
    // after a timeout, whose violation is reported already: unsettled handles would only wait.)
    if (report_.settled != parameters_.executions) return;
    std::vector<Handle<std::int64_t>> handles(handles_.begin(), handles_.begin() + spawned_);
    auto results = asio::co_spawn(io_, check_results(std::move(handles)), asio::use_future);
    if (results.wait_for(60s) != std::future_status::ready) {
      violation("the SDK did not deliver every result within 60 s");
    } else {
      for (auto& wrong : results.get()) violation(std::move(wrong));
    }
  }

  // Exactly the expected promises exist: each root and its five children, all resolved, the
  // roots and steps with the values soak_chain defines. An extra or missing id would mean a
  // replay took another path; a wrong value, a checkpoint recorded twice differently.
  void check_promises(const std::map<std::string, json::object>& promises) {
    std::set<std::string> expected;
    for (std::int64_t input = 0; input < parameters_.executions; ++input) {
      const auto root = root_id(input);
      expected.insert(root);
      for (int child = 0; child < children_per_execution; ++child) expected.insert(root + ":" + std::to_string(child));
    }
    for (const auto& id : expected) {
      if (!promises.contains(id)) violation("promise " + id + " is missing");
    }
    for (const auto& [id, promise] : promises) {
      if (!expected.contains(id)) {
        violation("unexpected promise " + id + " " + json::serialize(promise));
        continue;
      }
      ++report_.promises_checked;
      const auto state = promise.at("state").as_string();
      if (state != "resolved") {
        violation("promise " + id + " is " + std::string(state));
        continue;
      }
      const auto colon = id.find(':');
      const auto input = input_of(id.substr(0, colon)).value();
      std::optional<std::int64_t> wanted;
      if (colon == std::string::npos) {
        wanted = expected_result(input);
      } else if (const int child = std::stoi(id.substr(colon + 1)); child % 2 == 0) {
        wanted = expected_step(input, child / 2);
      }
      if (wanted && value_of(promise) != wanted) {
        violation("promise " + id + " holds " + json::serialize(promise.at("value")) + ", expected " +
                  std::to_string(*wanted));
      }
    }
  }

  std::string transcript() const {
    std::string text;
    for (const auto& process : processes_) text += process->transcript(30);
    return text;
  }

  const SoakParameters& parameters_;
  std::mt19937_64 random_;
  resonate::test_support::ScratchDirectory directory_{"resonate-soak"};
  SoakReport report_;
  std::vector<PlannedAction> plan_;
  std::vector<std::unique_ptr<ChildProcess>> processes_;  // every process ever started (output kept)
  std::vector<ChildProcess*> workers_;                    // the live ones
  std::string store_;
  std::vector<ChildProcess*> servers_;  // the live replica processes, by replica
  std::vector<int> ports_;              // by replica, kept across restarts
  int server_starts_ = 0;
  int spawned_ = 0;
  // Declared after the io_context they use, so they are destroyed before it.
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::optional<Resonate> client_;
  std::vector<Handle<std::int64_t>> handles_;
  std::thread client_thread_;
};

}  // namespace

std::string SoakReport::figures() const {
  const auto minimum = static_cast<std::size_t>(executions) * steps_per_execution;
  std::ostringstream text;
  text << "executions          " << executions << " (" << settled << " settled), " << workers << " workers"
       << (replicas > 1 ? ", " + std::to_string(replicas) + " server replicas on one database" : std::string()) << "\n"
       << "worker kills        " << worker_kills << " (SIGKILL, " << worker_starts << " worker processes in all)\n"
       << "server restarts     " << server_restarts << " (SIGKILL, incl. the final one before the checks)\n"
       << "time                " << elapsed_ms / 1000.0 << " s\n"
       << "function bodies run " << invocations << " (first runs and replays after sleeps and crashes)\n"
       << "steps started       " << step_runs << " (" << (step_runs > minimum ? step_runs - minimum : 0)
       << " re-executed after crashes; " << minimum << " without)\n"
       << "bodies completed    " << completions << "\n"
       << "client retries      " << spawn_retries << " calls, " << failed_polls << " progress queries\n"
       << "promises checked    " << promises_checked << "\n"
       << "violations          " << violations.size() << "\n";
  for (const auto& violation : violations) text << "  " << violation << "\n";
  text << "harness errors      " << harness_errors.size() << " (the test's own output, not durability)\n";
  for (const auto& error : harness_errors) text << "  " << error << "\n";
  return text.str();
}

SoakReport run_soak(const SoakParameters& parameters) {
  Soak soak(parameters);
  return soak.run();
}

}  // namespace resonate::soak
