// The `resonate` CLI as people use it: the binary run as a child process against a
// resonate-server child process (temp SQLite database, free port), with a C++ worker
// (sdk_remote_worker) executing what `invoke` starts, and a server with bearer-token auth on.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "arguments.hpp"
#include "call_tree.hpp"
#include "child_process.hpp"
#include "duration.hpp"
#include "output_lines.hpp"
#include "pretty_json.hpp"
#include "scratch_directory.hpp"
#include "sdk/base64.hpp"
#include "server_child.hpp"
#include "token_signer.hpp"
#include "values.hpp"
#include "wall_clock.hpp"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using resonate::test_support::ChildProcess;
using resonate::test_support::ScratchDirectory;
using resonate::test_support::TokenSigner;
using resonate::test_support::epoch_seconds;
using resonate::test_support::field;

// What one CLI run printed (stdout and stderr together) and how it exited.
struct CliResult {
  int exit_code = -1;
  std::string output;

  json::value json() const {
    boost::system::error_code error;
    auto parsed = json::parse(output, error);
    REQUIRE_MESSAGE(!error, "not JSON: " << output);
    return parsed;
  }
  bool says(std::string_view text) const { return output.find(text) != std::string::npos; }
};

// Runs `resonate args...` with RESONATE_URL and RESONATE_TOKEN cleared, then `environment`
// ("NAME=value") set, and waits for it to exit.
CliResult run_cli(std::vector<std::string> args, std::vector<std::string> environment = {},
                  const fs::path& directory = fs::temp_directory_path()) {
  std::vector<std::string> command{"env", "-u", "RESONATE_URL", "-u", "RESONATE_TOKEN"};
  command.insert(command.end(), environment.begin(), environment.end());
  command.push_back(RESONATE_CLI_PROGRAM);
  command.insert(command.end(), args.begin(), args.end());
  ChildProcess process("resonate", std::move(command), directory);
  CliResult result;
  const auto code = process.wait_for_exit(60s);
  REQUIRE_MESSAGE(code.has_value(), "the CLI did not exit\n" << process.transcript());
  result.exit_code = *code;
  process.has_printed([&result](std::string_view line) {
    result.output.append(line);
    result.output += '\n';
    return false;
  });
  return result;
}

// A resonate-server in its own temp directory, and the CLI run against it.
class World {
 public:
  explicit World(std::vector<std::string> server_flags = {}) {
    server_flags.insert(server_flags.begin(), {"--log-level", "debug"});
    server_ = &start("server", resonate::test_support::serve_command(RESONATE_SERVER_PROGRAM, 0,
                                                                (directory_.path() / "resonate.db").string(),
                                                                server_flags));
    url_ = resonate::test_support::loopback_url(resonate::test_support::await_listening(*server_));
  }

  ~World() { processes_.clear(); }

  const fs::path& directory() const { return directory_.path(); }
  const std::string& url() const { return url_; }
  ChildProcess& server() { return *server_; }

  // Runs `resonate --server <url> args...`.
  CliResult cli(std::vector<std::string> args, std::vector<std::string> environment = {}) {
    args.insert(args.begin(), {"--server", url_});
    return run_cli(std::move(args), std::move(environment), directory_.path());
  }

  // A C++ worker of group `workers`, connected to the server's message stream.
  ChildProcess& worker() {
    auto& process = start("worker", {SDK_REMOTE_WORKER_PROGRAM, url_});
    const auto ready = process.wait_for_line_starting("ready", 15s);
    REQUIRE_MESSAGE(ready.has_value(), transcript());
    const auto pid = field(*ready, "pid").value();
    REQUIRE_MESSAGE(resonate::test_support::await_poll_connected(*server_, pid), "the worker did not connect\n" << transcript());
    return process;
  }

  std::string transcript() const {
    std::string text;
    for (const auto& process : processes_) text += process->transcript(40);
    return text;
  }

  // Any other program, run in the world's directory until the world ends.
  ChildProcess& start(std::string name, std::vector<std::string> arguments) {
    processes_.push_back(std::make_unique<ChildProcess>(std::move(name), std::move(arguments), directory_.path()));
    return *processes_.back();
  }

 private:
  ScratchDirectory directory_{"resonate-cli"};
  std::vector<std::unique_ptr<ChildProcess>> processes_;
  ChildProcess* server_ = nullptr;
  std::string url_;
};

std::vector<std::string> ids_of(const json::value& listing) {
  std::vector<std::string> ids;
  for (const auto& promise : listing.at("promises").as_array()) ids.emplace_back(promise.at("id").as_string());
  return ids;
}

}  // namespace

TEST_CASE("durations: 30s, 5m, 1h, 2d, sums and milliseconds; bare numbers and junk are refused") {
  using resonate::cli::parse_duration;
  CHECK(parse_duration("30s") == 30000ms);
  CHECK(parse_duration("5m") == 300000ms);
  CHECK(parse_duration("1h") == 3600000ms);
  CHECK(parse_duration("2d") == std::chrono::milliseconds(2LL * 24 * 3600 * 1000));
  CHECK(parse_duration("1h30m") == 5400000ms);
  CHECK(parse_duration("250ms") == 250ms);
  CHECK_FALSE(parse_duration("10").has_value());
  CHECK_FALSE(parse_duration("").has_value());
  CHECK_FALSE(parse_duration("5x").has_value());
  CHECK_FALSE(parse_duration("0s").has_value());
  CHECK_FALSE(parse_duration("-5s").has_value());
  CHECK_FALSE(parse_duration("s").has_value());
  CHECK_FALSE(parse_duration("99999999999999999999d").has_value());
}

TEST_CASE("values: --data JSON is stored as base64 of its text; output decodes it, or keeps a raw string") {
  using namespace resonate::cli;
  const auto value = encode_value(json::value("yes"));
  CHECK(value.data == resonate::sdk::base64_encode("\"yes\""));
  CHECK((value.headers && value.headers->empty()));
  CHECK(decode_data(*value.data) == json::value("yes"));
  CHECK(decode_data("not base64!") == json::value("not base64!"));
  // Valid base64 whose bytes are not JSON stays the raw string.
  const auto not_json = resonate::sdk::base64_encode("plain text");
  CHECK(decode_data(not_json) == json::value(not_json));
  CHECK_THROWS_AS(parse_json_flag("--data", "yes"), UsageError);
  const auto param = invocation_value("double_it", json::array{21}, 1);
  CHECK(decode_data(*param.data) == json::parse(R"({"func":"double_it","args":[21],"version":1})"));
  CHECK(target_address("workers") == "poll://any@workers");
  CHECK(target_address("poll://uni@workers/w1") == "poll://uni@workers/w1");
}

TEST_CASE("output: numbers print as people write them, not in scientific notation") {
  using resonate::cli::pretty_json;
  CHECK(pretty_json(json::value(12.5)) == "12.5\n");
  CHECK(pretty_json(json::value(0.1)) == "0.1\n");
  CHECK(pretty_json(json::value(-3.0)) == "-3\n");
  CHECK(pretty_json(json::value(1e21)) == "1e+21\n");
  CHECK(pretty_json(json::value(42)) == "42\n");
  CHECK(pretty_json(json::parse(R"({"total":12.5,"items":[1.5,2]})")) ==
        "{\n  \"total\": 12.5,\n  \"items\": [\n    1.5,\n    2\n  ]\n}\n");
}

TEST_CASE("tree: records nest by parent tag or id grammar, kinds come from the call tag or the SDKs' tags") {
  auto record = [](const char* text) { return json::parse(text).as_object(); };
  const auto root = record(R"({"id":"wf","state":"pending","createdAt":1000,"timeoutAt":90000,
      "param":{"data":{"func":"order","args":[],"version":1}},"tags":{"resonate:origin":"wf"}})");
  const std::vector<json::object> members{
      root,
      record(R"({"id":"wf:10","state":"pending","createdAt":1400,"timeoutAt":61400,
          "tags":{"resonate:timer":"true","resonate:parent":"wf","resonate:origin":"wf"}})"),
      record(R"({"id":"wf:2","state":"resolved","createdAt":1200,"settledAt":1250,
          "tags":{"resonate-cpp:call":"run charge","resonate:parent":"wf","resonate:origin":"wf"}})"),
      record(R"({"id":"wf:2.0","state":"resolved","createdAt":1210,"settledAt":1220,
          "tags":{"resonate:scope":"local","resonate:origin":"wf"}})"),
      // Another SDK's rpc: no call tag, an invocation param; same creation time as wf:10.
      record(R"({"id":"wf:3","state":"rejected","createdAt":1400,"settledAt":1900,
          "param":{"data":{"func":"ship","args":[1]}},"tags":{"resonate:parent":"wf","resonate:origin":"wf"}})"),
      record(R"({"id":"other","state":"pending","tags":{"resonate:origin":"other"}})"),
  };
  const auto tree = resonate::cli::call_tree(root, members);
  CHECK(tree.kind == "invoke");
  CHECK(tree.name == "order");
  REQUIRE(tree.children.size() == 3);
  CHECK(tree.children[0].id == "wf:2");  // created first
  CHECK(tree.children[0].kind == "run");
  CHECK(tree.children[0].name == "charge");
  REQUIRE(tree.children[0].children.size() == 1);  // placed by its id: no parent tag
  CHECK(tree.children[0].children[0].kind == "run");
  CHECK(tree.children[1].id == "wf:3");  // same time as wf:10: by number, 3 before 10
  CHECK(tree.children[1].kind == "rpc");
  CHECK(tree.children[1].name == "ship");
  CHECK(tree.children[2].kind == "sleep");

  const auto text = resonate::cli::tree_text(tree, 1400);
  CHECK(text ==
        "wf  invoke order  pending  times out in 1 min 28 s (00:01:30.000 UTC)\n"
        "├─ wf:2  run charge  resolved  took 50 ms\n"
        "│  └─ wf:2.0  run  resolved  took 10 ms\n"
        "├─ wf:3  rpc ship  rejected  took 500 ms\n"
        "└─ wf:10  sleep  pending  wakes in 1 min 0 s (00:01:01.400 UTC)\n");
  const auto out = resonate::cli::tree_json(tree);
  CHECK(out.at("children").at(0).at("children").at(0).at("id") == "wf:2.0");
  CHECK(out.at("children").at(2).at("timeoutAt") == 61400);
  // A subtree: asked for wf:2, the tree starts there.
  const auto sub = resonate::cli::call_tree(members[2], members);
  CHECK(sub.kind == "run");
  CHECK(sub.children.size() == 1);
}

TEST_CASE("tree: durations read as people say them") {
  using resonate::cli::human_duration;
  CHECK(human_duration(850) == "850 ms");
  CHECK(human_duration(12345) == "12.3 s");
  CHECK(human_duration(250000) == "4 min 10 s");
  CHECK(human_duration(7500000) == "2 h 5 min");
  CHECK(human_duration(273600000) == "3 d 4 h");
  CHECK(human_duration(-5) == "0 ms");
}

TEST_CASE("arguments: flags before or after words, --flag=value, repeats, and unknown flags") {
  using namespace resonate::cli;
  const auto parsed = parse_arguments(
      {"--server", "http://x:1", "promises", "create", "a", "--tag", "k=v", "--tag=x=y", "--data", "-5", "--", "--b"});
  CHECK(parsed.words == std::vector<std::string>{"promises", "create", "a", "--b"});
  CHECK(parsed.value("--server") == "http://x:1");
  CHECK(parsed.values("--tag") == std::vector<std::string>{"k=v", "x=y"});
  CHECK(parsed.value("--data") == "-5");
  CHECK_THROWS_AS(parsed.value("--tag"), UsageError);
  CHECK_THROWS_AS(parse_arguments({"--bogus"}), UsageError);
  CHECK_THROWS_AS(parse_arguments({"promises", "get", "--data"}), UsageError);
}

TEST_CASE("promises: create, get, list, resolve, reject, cancel, with conflicts and not-found errors") {
  World world;

  auto created = world.cli({"promises", "create", "approval-1", "--timeout", "1h", "--data", R"({"amount":100})",
                            "--tag", "team=ops"});
  REQUIRE_MESSAGE(created.exit_code == 0, created.output);
  CHECK(created.json().at("state") == "pending");
  CHECK(created.json().at("param").at("data").at("amount") == 100);
  CHECK(created.json().at("tags").at("team") == "ops");

  auto again = world.cli({"promises", "create", "approval-1"});
  CHECK(again.exit_code == 1);
  CHECK_MESSAGE(again.says("already exists"), again.output);

  auto got = world.cli({"promises", "get", "approval-1"});
  REQUIRE_MESSAGE(got.exit_code == 0, got.output);
  CHECK(got.json().at("id") == "approval-1");
  CHECK(got.json().at("param").at("data") == json::parse(R"({"amount":100})"));

  auto missing = world.cli({"promises", "get", "nobody"});
  CHECK(missing.exit_code == 1);
  CHECK_MESSAGE(missing.says("not found"), missing.output);
  CHECK(missing.says("nobody"));

  auto resolved = world.cli({"promises", "resolve", "approval-1", "--data", R"("yes")"});
  REQUIRE_MESSAGE(resolved.exit_code == 0, resolved.output);
  CHECK(resolved.json().at("state") == "resolved");
  CHECK(resolved.json().at("value").at("data") == "yes");

  // The same settlement again is harmless; a different one is a conflict.
  auto same = world.cli({"promises", "resolve", "approval-1", "--data", R"("yes")"});
  CHECK_MESSAGE(same.exit_code == 0, same.output);
  auto different = world.cli({"promises", "resolve", "approval-1", "--data", R"("no")"});
  CHECK(different.exit_code == 1);
  CHECK_MESSAGE(different.says("conflict"), different.output);
  auto late_reject = world.cli({"promises", "reject", "approval-1"});
  CHECK(late_reject.exit_code == 1);
  CHECK_MESSAGE(late_reject.says("already resolved"), late_reject.output);

  auto settle_missing = world.cli({"promises", "resolve", "nobody", "--data", "1"});
  CHECK(settle_missing.exit_code == 1);
  CHECK_MESSAGE(settle_missing.says("not found"), settle_missing.output);

  REQUIRE(world.cli({"promises", "create", "p-1"}).exit_code == 0);
  REQUIRE(world.cli({"promises", "create", "p-2"}).exit_code == 0);
  REQUIRE(world.cli({"promises", "create", "p-3"}).exit_code == 0);

  auto rejected = world.cli({"promises", "reject", "p-1", "--data", R"({"reason":"no"})"});
  REQUIRE_MESSAGE(rejected.exit_code == 0, rejected.output);
  CHECK(rejected.json().at("state") == "rejected");
  CHECK(rejected.json().at("value").at("data").at("reason") == "no");

  auto canceled = world.cli({"promises", "cancel", "p-2"});
  REQUIRE_MESSAGE(canceled.exit_code == 0, canceled.output);
  CHECK(canceled.json().at("state") == "rejected_canceled");

  auto pending = world.cli({"promises", "list", "--state", "pending"});
  REQUIRE_MESSAGE(pending.exit_code == 0, pending.output);
  CHECK(ids_of(pending.json()) == std::vector<std::string>{"p-3"});

  auto by_id = world.cli({"promises", "list", "--id", "p-*"});
  REQUIRE_MESSAGE(by_id.exit_code == 0, by_id.output);
  CHECK(ids_of(by_id.json()) == std::vector<std::string>{"p-1", "p-2", "p-3"});

  auto first_page = world.cli({"promises", "list", "--id", "p-*", "--limit", "2"});
  REQUIRE_MESSAGE(first_page.exit_code == 0, first_page.output);
  CHECK(ids_of(first_page.json()) == std::vector<std::string>{"p-1", "p-2"});
  REQUIRE(first_page.json().as_object().contains("cursor"));
  auto second_page = world.cli({"promises", "list", "--id", "p-*", "--cursor",
                                std::string(first_page.json().at("cursor").as_string())});
  CHECK(ids_of(second_page.json()) == std::vector<std::string>{"p-3"});

  auto by_tag = world.cli({"promises", "list", "--tag", "team=ops"});
  CHECK(ids_of(by_tag.json()) == std::vector<std::string>{"approval-1"});
}

TEST_CASE("usage: --help pages exit 0, bad command lines exit 2 with usage on stderr") {
  World world;
  auto overview = world.cli({"--help"});
  CHECK(overview.exit_code == 0);
  CHECK(overview.says("usage: resonate"));
  CHECK(overview.says("promises resolve"));
  CHECK(overview.says("invoke"));

  auto page = world.cli({"promises", "get", "--help"});
  CHECK(page.exit_code == 0);
  CHECK(page.says("usage: resonate promises get <id>"));
  auto group = world.cli({"promises", "--help"});
  CHECK(group.exit_code == 0);
  CHECK(group.says("promises list"));

  for (const auto& args : std::vector<std::vector<std::string>>{
           {},
           {"promises"},
           {"promises", "frob"},
           {"frob"},
           {"promises", "get"},
           {"promises", "get", "a", "b"},
           {"promises", "get", "a", "--bogus"},
           {"promises", "get", "a", "--data", "1"},
           {"promises", "create", "a", "--timeout", "10"},
           {"promises", "resolve", "a", "--data", "yes"},
           {"promises", "list", "--state", "sleepy"},
           {"promises", "create", "a", "--tag", "novalue"},
           {"invoke", "a"},
       }) {
    auto result = world.cli(args);
    CHECK_MESSAGE(result.exit_code == 2, "args " << args.size() << ": " << result.output);
    CHECK_MESSAGE(result.says("resonate"), result.output);
  }
  // Not http[s]://host[:port][/path]: refused before any connection is tried.
  auto ftp = run_cli({"--server", "ftp://127.0.0.1", "promises", "get", "a"});
  CHECK(ftp.exit_code == 2);
  CHECK_MESSAGE(ftp.says("--server: invalid server URL 'ftp://127.0.0.1'"), ftp.output);
}

TEST_CASE("an unreachable server is an error that says so; RESONATE_URL names the server") {
  // Port 1 on loopback: nothing listens there.
  auto unreachable = run_cli({"promises", "get", "x"}, {"RESONATE_URL=http://127.0.0.1:1"});
  CHECK(unreachable.exit_code == 1);
  CHECK_MESSAGE(unreachable.says("cannot reach the server at http://127.0.0.1:1"), unreachable.output);
  auto flag = run_cli({"--server", "http://127.0.0.1:1", "tasks", "list"});
  CHECK(flag.exit_code == 1);
  CHECK_MESSAGE(flag.says("cannot reach the server"), flag.output);
}

TEST_CASE("invoke: a C++ worker executes the function, like an SDK rpc") {
  World world;
  auto& worker = world.worker();
  auto result = world.cli({"invoke", "double-1", "--func", "double_it", "--arg", "21", "--target", "workers",
                           "--timeout", "5m", "--wait"});
  REQUIRE_MESSAGE(result.exit_code == 0, result.output << world.transcript());
  CHECK(result.json().at("state") == "resolved");
  CHECK(result.json().at("value").at("data") == 42);
  CHECK(result.json().at("param").at("data") == json::parse(R"({"func":"double_it","args":[21],"version":1})"));
  CHECK(result.json().at("tags").at("resonate:target") == "poll://any@workers");
  CHECK(worker.has_printed([](std::string_view line) { return line.starts_with("double id=double-1 x=21"); }));

  auto task = world.cli({"tasks", "get", "double-1"});
  REQUIRE_MESSAGE(task.exit_code == 0, task.output);
  CHECK(task.json().at("state") == "fulfilled");
  auto tasks = world.cli({"tasks", "list", "--state", "fulfilled"});
  REQUIRE_MESSAGE(tasks.exit_code == 0, tasks.output);
  CHECK(tasks.json().at("tasks").as_array().size() == 1);

  // The same id again names the same invocation: shown, not run again.
  auto again = world.cli({"invoke", "double-1", "--func", "double_it", "--arg", "21", "--target", "workers"});
  REQUIRE_MESSAGE(again.exit_code == 0, again.output);
  CHECK(again.says("already exists"));

  // Without --wait the command returns at once with the pending promise.
  auto started = world.cli({"invoke", "double-2", "--func", "double_it", "--arg", "5", "--target", "workers"});
  REQUIRE_MESSAGE(started.exit_code == 0, started.output);
  auto done = world.cli({"promises", "get", "double-2", "--wait"});
  REQUIRE_MESSAGE(done.exit_code == 0, done.output);
  CHECK(done.json().at("value").at("data") == 10);

  auto no_task = world.cli({"tasks", "get", "nobody"});
  CHECK(no_task.exit_code == 1);
  CHECK_MESSAGE(no_task.says("not found"), no_task.output);
}

TEST_CASE("tree: an execution's steps, sleep and rpc, while it sleeps and once it is done") {
  World world;
  auto& worker = world.worker();
  auto started = world.cli({"invoke", "nap-1", "--func", "nap", "--arg", "600000", "--target", "workers"});
  REQUIRE_MESSAGE(started.exit_code == 0, started.output);
  REQUIRE_MESSAGE(worker.wait_for_line_starting("before-sleep id=nap-1", 15s).has_value(), world.transcript());

  // The sleep's promise is created after the step's line: wait until the tree shows it.
  CliResult sleeping;
  for (int attempt = 0; attempt < 200; ++attempt) {
    sleeping = world.cli({"tree", "nap-1", "--json"});
    REQUIRE_MESSAGE(sleeping.exit_code == 0, sleeping.output);
    if (sleeping.json().at("children").as_array().size() == 2) break;
  }
  const auto tree = sleeping.json();
  CHECK(tree.at("kind") == "invoke");
  CHECK(tree.at("name") == "nap");
  CHECK(tree.at("state") == "pending");
  const auto& children = tree.at("children").as_array();
  REQUIRE_MESSAGE(children.size() == 2, sleeping.output);
  CHECK(children[0].at("id") == "nap-1:0");
  CHECK(children[0].at("kind") == "run");
  CHECK(children[0].at("state") == "resolved");
  CHECK(children[1].at("id") == "nap-1:1");
  CHECK(children[1].at("kind") == "sleep");
  CHECK(children[1].at("state") == "pending");

  auto text = world.cli({"tree", "nap-1"});
  REQUIRE_MESSAGE(text.exit_code == 0, text.output);
  CHECK_MESSAGE(text.says("└─ nap-1:1  sleep  pending  wakes in "), text.output);

  // Wake the sleep now: the rpc runs and the execution finishes.
  auto woken = world.cli({"promises", "resolve", "nap-1:1"});
  REQUIRE_MESSAGE(woken.exit_code == 0, woken.output);
  auto done = world.cli({"promises", "get", "nap-1", "--wait"});
  REQUIRE_MESSAGE(done.exit_code == 0, done.output);
  auto finished = world.cli({"tree", "nap-1", "--json"});
  REQUIRE_MESSAGE(finished.exit_code == 0, finished.output);
  const auto finished_tree = finished.json();
  const auto& all = finished_tree.at("children").as_array();
  REQUIRE_MESSAGE(all.size() == 3, finished.output);
  CHECK(all[2].at("kind") == "rpc");
  CHECK(all[2].at("name") == "double_it");
  CHECK(all[2].at("state") == "resolved");
  CHECK(finished_tree.at("state") == "resolved");

  auto missing = world.cli({"tree", "nobody"});
  CHECK(missing.exit_code == 1);
  CHECK_MESSAGE(missing.says("not found"), missing.output);
}

TEST_CASE("invoke: a call to a group without a connected worker is a warning from the CLI and the server") {
  World world;
  world.worker();  // group "workers"

  // No --target: the call goes to group "default", which nobody serves.
  auto lonely = world.cli({"invoke", "lonely-1", "--func", "double_it", "--arg", "1"});
  REQUIRE_MESSAGE(lonely.exit_code == 0, lonely.output);
  CHECK_MESSAGE(lonely.says("warning: no worker of group 'default' is connected"), lonely.output);
  CHECK_MESSAGE(lonely.says("no --target given"), lonely.output);
  const auto logged = world.server().wait_for_line(
      [](std::string_view line) {
        return line.find("no worker of the group is connected") != std::string_view::npos &&
               line.find("group=default") != std::string_view::npos;
      },
      10s);
  CHECK_MESSAGE(logged.has_value(), world.transcript());

  // A group with a worker: no warning.
  auto served = world.cli({"invoke", "served-1", "--func", "double_it", "--arg", "2", "--target", "workers", "--wait"});
  REQUIRE_MESSAGE(served.exit_code == 0, served.output);
  CHECK_FALSE(served.says("warning"));
}

TEST_CASE("invoke: a TypeScript SDK worker executes the function too") {
  const fs::path interop = INTEROP_DIRECTORY;
  if (!fs::exists(interop / "node_modules" / "@resonatehq" / "sdk" / "package.json")) {
    MESSAGE("skipped: @resonatehq/sdk is not installed in tests/interop (scripts/install-interop-deps.sh)");
    return;
  }
  World world;
  auto& worker = world.start("ts-worker", {"node", (interop / "worker.mjs").string(), world.url(), "--pid=ts-1"});
  REQUIRE_MESSAGE(worker.wait_for_line_starting("connected", 15s).has_value(), world.transcript());
  // compute(numbers, sleepMs) of tests/interop/functions.mjs: steps, a durable sleep, steps.
  auto result = world.cli({"invoke", "ts-compute", "--func", "compute", "--arg", "[2,3,4]", "--arg", "10",
                           "--target", "poll://any@workers", "--timeout", "2m", "--wait"});
  REQUIRE_MESSAGE(result.exit_code == 0, result.output << world.transcript());
  CHECK(result.json().at("value").at("data").at("sum") == 9);
  CHECK(result.json().at("value").at("data").at("product") == 24);
}

TEST_CASE("schedules: create, get, list, delete") {
  World world;
  auto created = world.cli({"schedules", "create", "nightly", "--cron", "0 3 * * *", "--func", "double_it", "--arg",
                            "1", "--target", "workers"});
  REQUIRE_MESSAGE(created.exit_code == 0, created.output);
  CHECK(created.json().at("promiseParam").at("data").at("func") == "double_it");
  CHECK(created.json().at("promiseTags").at("resonate:target") == "poll://any@workers");
  auto different = world.cli({"schedules", "create", "nightly", "--cron", "0 4 * * *", "--func", "double_it"});
  CHECK(different.exit_code == 1);
  CHECK_MESSAGE(different.says("conflict"), different.output);
  auto got = world.cli({"schedules", "get", "nightly"});
  REQUIRE_MESSAGE(got.exit_code == 0, got.output);
  CHECK(got.json().at("cron") == "0 3 * * *");
  auto listed = world.cli({"schedules", "list"});
  REQUIRE_MESSAGE(listed.exit_code == 0, listed.output);
  CHECK(listed.json().at("schedules").as_array().size() == 1);
  REQUIRE(world.cli({"schedules", "delete", "nightly"}).exit_code == 0);
  auto gone = world.cli({"schedules", "get", "nightly"});
  CHECK(gone.exit_code == 1);
  CHECK_MESSAGE(gone.says("not found"), gone.output);
}

TEST_CASE("token: with auth on, the CLI is refused without a token and works with a valid one") {
  TokenSigner signer;
  const ScratchDirectory key_directory("resonate-cli-key");
  const auto key_file = key_directory.path() / "public.pem";
  std::ofstream(key_file) << signer.public_pem();

  World world({"--auth-public-key", key_file.string()});
  const auto admin = signer.sign(json::object{{"exp", epoch_seconds() + 600}, {"role", "admin"}});
  const auto scoped = signer.sign(json::object{{"exp", epoch_seconds() + 600}, {"prefix", "mine-"}});
  const auto forged = TokenSigner().sign(json::object{{"exp", epoch_seconds() + 600}, {"role", "admin"}});

  auto refused = world.cli({"promises", "create", "t-1"});
  CHECK(refused.exit_code == 1);
  CHECK_MESSAGE(refused.says("unauthorized (401)"), refused.output);
  CHECK(refused.says("RESONATE_TOKEN"));

  auto with_flag = world.cli({"promises", "create", "t-1", "--token", admin});
  REQUIRE_MESSAGE(with_flag.exit_code == 0, with_flag.output);
  auto with_environment = world.cli({"promises", "get", "t-1"}, {"RESONATE_TOKEN=" + admin});
  REQUIRE_MESSAGE(with_environment.exit_code == 0, with_environment.output);
  CHECK(with_environment.json().at("id") == "t-1");
  auto listed = world.cli({"promises", "list", "--token", admin});
  CHECK_MESSAGE(listed.exit_code == 0, listed.output);

  auto bad = world.cli({"promises", "get", "t-1", "--token", forged});
  CHECK(bad.exit_code == 1);
  CHECK_MESSAGE(bad.says("refused the token"), bad.output);

  auto own = world.cli({"promises", "create", "mine-1", "--token", scoped});
  CHECK_MESSAGE(own.exit_code == 0, own.output);
  auto foreign = world.cli({"promises", "get", "t-1", "--token", scoped});
  CHECK(foreign.exit_code == 1);
  CHECK_MESSAGE(foreign.says("forbidden (403)"), foreign.output);
}
