// examples/fan_out: the children run concurrently (every child starts before any finishes)
// and the parent combines all their results.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "gallery_support.hpp"

namespace {

using namespace std::chrono_literals;
using resonate::test_support::ChildProcess;

// Checks the output of `fan_out --count 4`: each child starts and finishes once, all starts
// come before the first finish, and the sum is 1 + 4 + 9 + 16.
void check_fan_out(const ChildProcess& fan_out) {
  const auto lines = fan_out.lines();
  std::vector<std::size_t> starts;
  std::vector<std::size_t> finishes;
  for (int x = 1; x <= 4; ++x) {
    const auto child = "square(" + std::to_string(x) + "): ";
    CHECK_MESSAGE(std::count(lines.begin(), lines.end(), child + "start") == 1, fan_out.transcript());
    CHECK_MESSAGE(std::count(lines.begin(), lines.end(), child + "done") == 1, fan_out.transcript());
    starts.push_back(std::find(lines.begin(), lines.end(), child + "start") - lines.begin());
    finishes.push_back(std::find(lines.begin(), lines.end(), child + "done") - lines.begin());
  }
  CHECK_MESSAGE(*std::max_element(starts.begin(), starts.end()) < *std::min_element(finishes.begin(), finishes.end()),
                "a child finished before all had started\n" << fan_out.transcript());
  REQUIRE_FALSE(lines.empty());
  CHECK(lines.back().starts_with("sum of squares 1..4 = 30 ("));
}

}  // namespace

TEST_CASE("fan_out runs its children concurrently and sums their results in embedded mode") {
  ChildProcess fan_out("fan_out", {FAN_OUT_PROGRAM, "--count", "4", "--work-ms", "500"});
  REQUIRE_MESSAGE(fan_out.wait_for_exit(30s) == 0, fan_out.transcript());
  check_fan_out(fan_out);
}

TEST_CASE("fan_out runs against a resonate-server with --url") {
  gallery::Server server;
  ChildProcess fan_out("fan_out", {FAN_OUT_PROGRAM, "--url", server.url(), "--count", "4", "--work-ms", "500"});
  REQUIRE_MESSAGE(fan_out.wait_for_exit(30s) == 0, fan_out.transcript() << server.transcript());
  check_fan_out(fan_out);
}
