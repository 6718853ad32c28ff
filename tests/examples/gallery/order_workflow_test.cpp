// examples/order_workflow: a retried step, a fan-out, a durable sleep and a named approval
// promise, in embedded mode (approved, and answered with a value that is not a boolean) and
// against a server with the process killed by SIGKILL during the sleep.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "gallery_support.hpp"

namespace {

using namespace std::chrono_literals;
using resonate::test_support::ChildProcess;

std::size_t count_of(const std::vector<std::string>& lines, const std::string& line) {
  return static_cast<std::size_t>(std::count(lines.begin(), lines.end(), line));
}

}  // namespace

TEST_CASE("order_workflow charges once after a retry, reserves every item, sleeps, and ships once approved") {
  ChildProcess order("order", {ORDER_WORKFLOW_PROGRAM, "--id", "order-e", "--items", "apples,pears,plums",
                               "--sleep-ms", "200", "--auto-approve", "true"});
  REQUIRE_MESSAGE(order.wait_for_exit(30s) == 0, order.transcript());
  const auto lines = order.lines();
  // Printed outside any step, guarded by ctx.is_replaying(): once, although the body ran again
  // after the sleep and after the approval.
  CHECK(count_of(lines, "order-e: processing for Ada") == 1);
  CHECK(count_of(lines, "order-e: charged 12.50 to Ada") == 1);
  for (const std::string item : {"apples", "pears", "plums"}) CHECK(count_of(lines, "order-e: reserved " + item) == 1);
  CHECK(count_of(lines, "order-e: cooling off") == 1);
  CHECK(count_of(lines, "order-e: waiting for approval on promise approval-order-e") == 1);
  CHECK(count_of(lines, "order-e: shipped 3 items") == 1);
  REQUIRE_FALSE(lines.empty());
  CHECK(lines.back() == "order-e: shipped 3 items to Ada");
}

TEST_CASE("order_workflow catches an approval that does not decode as a boolean and cancels the order") {
  ChildProcess order("order", {ORDER_WORKFLOW_PROGRAM, "--id", "order-d", "--items", "apples", "--sleep-ms", "10",
                               "--auto-approve", "\"yes\""});
  REQUIRE_MESSAGE(order.wait_for_exit(30s) == 0, order.transcript());
  const auto lines = order.lines();
  REQUIRE_FALSE(lines.empty());
  CHECK(lines.back() == "order-d: cancelled: approval is not a boolean (cannot decode \"yes\": value is not boolean)");
  CHECK(count_of(lines, "order-d: shipped 1 items") == 0);
}

TEST_CASE("order_workflow killed with SIGKILL during its sleep finishes in a restarted process, no step twice") {
  gallery::Server server;
  const std::vector<std::string> arguments{ORDER_WORKFLOW_PROGRAM, "--url", server.url(), "--id", "order-k",
                                           "--items", "apples,pears", "--sleep-ms", "2000", "--ttl-ms", "1000"};
  ChildProcess first("first", arguments);
  REQUIRE_MESSAGE(first.wait_for_line_starting("order-k: cooling off", 30s).has_value(),
                  first.transcript() << server.transcript());
  first.signal(SIGKILL);
  REQUIRE(first.wait_for_exit(10s) == 128 + SIGKILL);
  const auto before = first.lines();
  CHECK(count_of(before, "order-k: processing for Ada") == 1);
  CHECK(count_of(before, "order-k: charged 12.50 to Ada") == 1);
  CHECK(count_of(before, "order-k: reserved apples") == 1);
  CHECK(count_of(before, "order-k: reserved pears") == 1);

  // The restarted process attaches to the same execution and takes its task over once the
  // killed process's lease has lapsed.
  ChildProcess second("second", arguments);
  const auto asked = second.wait_for_line_starting("order-k: waiting for approval on promise ", 30s);
  REQUIRE_MESSAGE(asked.has_value(), second.transcript() << server.transcript());
  CHECK(*asked == "order-k: waiting for approval on promise approval-order-k");

  ChildProcess cli("cli", {RESONATE_CLI_PROGRAM, "promises", "resolve", "approval-order-k", "--data", "true",
                           "--server", server.url()});
  REQUIRE_MESSAGE(cli.wait_for_exit(30s) == 0, cli.transcript() << server.transcript());
  REQUIRE_MESSAGE(second.wait_for_exit(30s) == 0, second.transcript() << server.transcript());

  const auto after = second.lines();
  // Charging and reserving finished before the kill: never again. The announcement of the
  // sleep may repeat once, when the kill came after its print but before its result was
  // stored (a step runs at least once).
  CHECK(count_of(after, "order-k: processing for Ada") == 0);  // replaying: the first process began it
  CHECK(count_of(after, "order-k: charged 12.50 to Ada") == 0);
  CHECK(count_of(after, "order-k: reserved apples") == 0);
  CHECK(count_of(after, "order-k: reserved pears") == 0);
  CHECK(count_of(after, "order-k: cooling off") <= 1);
  CHECK(count_of(after, "order-k: shipped 2 items") == 1);
  REQUIRE_FALSE(after.empty());
  CHECK(after.back() == "order-k: shipped 2 items to Ada");
}
