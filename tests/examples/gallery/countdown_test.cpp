// examples/countdown: the numbers in order in embedded mode and against a server, and a
// countdown killed with SIGKILL that continues where it stopped when started again.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "gallery_support.hpp"

namespace {

using namespace std::chrono_literals;
using resonate::test_support::ChildProcess;

// What `countdown --id ID --count N` prints from `from` down: "ID: from", ..., "ID: 1", "ID: liftoff".
std::vector<std::string> countdown_lines(const std::string& id, int from) {
  std::vector<std::string> lines;
  for (int n = from; n > 0; --n) lines.push_back(id + ": " + std::to_string(n));
  lines.push_back(id + ": liftoff");
  return lines;
}

}  // namespace

TEST_CASE("countdown prints every number once, in order, in embedded mode") {
  ChildProcess countdown("countdown", {COUNTDOWN_PROGRAM, "--id", "memory", "--count", "3", "--delay-ms", "200"});
  REQUIRE_MESSAGE(countdown.wait_for_exit(30s) == 0, countdown.transcript());
  CHECK(countdown.lines() == countdown_lines("memory", 3));
}

TEST_CASE("countdown runs against a resonate-server with --url") {
  gallery::Server server;
  ChildProcess countdown("countdown", {COUNTDOWN_PROGRAM, "--url", server.url(), "--id", "remote", "--count", "3",
                                       "--delay-ms", "200"});
  REQUIRE_MESSAGE(countdown.wait_for_exit(30s) == 0, countdown.transcript() << server.transcript());
  CHECK(countdown.lines() == countdown_lines("remote", 3));
}

TEST_CASE("a countdown killed with SIGKILL continues where it stopped when restarted with its id and database") {
  gallery::ScratchDirectory directory;
  const std::string db = (directory.path() / "countdown.db").string();
  const std::vector<std::string> arguments{COUNTDOWN_PROGRAM, "--db", db, "--id", "launch", "--count", "6",
                                           "--delay-ms", "300"};
  const auto expected = countdown_lines("launch", 6);

  ChildProcess first("first", arguments);
  REQUIRE_MESSAGE(first.wait_for_line_starting("launch: 4", 30s).has_value(), first.transcript());
  first.signal(SIGKILL);
  REQUIRE(first.wait_for_exit(10s) == 128 + SIGKILL);
  const auto before = first.lines();
  // Killed during step 4 or the sleep after it: 6, 5, 4 and nothing more.
  REQUIRE(before == std::vector<std::string>(expected.begin(), expected.begin() + 3));

  ChildProcess second("second", arguments);
  REQUIRE_MESSAGE(second.wait_for_exit(30s) == 0, second.transcript());
  const auto after = second.lines();

  // Steps 6 and 5 finished before 4 began, so they are never printed again: a fresh
  // execution would start at 6. Step 4 alone may print a second time, when the kill came
  // after its print but before its result was stored (a step runs at least once).
  const std::vector<std::string> resumed_after_4(expected.begin() + 3, expected.end());
  const std::vector<std::string> resumed_at_4(expected.begin() + 2, expected.end());
  CHECK_MESSAGE((after == resumed_after_4 || after == resumed_at_4), second.transcript());

  // Once finished, the same id only fetches the stored result.
  ChildProcess third("third", arguments);
  REQUIRE_MESSAGE(third.wait_for_exit(30s) == 0, third.transcript());
  CHECK(third.lines() == std::vector<std::string>{"launch: liftoff"});
}
