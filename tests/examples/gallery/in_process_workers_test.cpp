// examples/in_process_workers: three workers in one process share a burst of calls; every
// job runs exactly once, on the worker that reports it.
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "child_process.hpp"
#include "gallery_support.hpp"

namespace {
using namespace std::chrono_literals;
using resonate::test_support::ChildProcess;
}  // namespace

TEST_CASE("in_process_workers spreads a burst of 12 jobs over its workers, each job run once") {
  gallery::Server server;
  ChildProcess workers("workers", {IN_PROCESS_WORKERS_PROGRAM, "--url", server.url(), "--jobs", "12", "--burst", "b"});
  REQUIRE_MESSAGE(workers.wait_for_exit(60s) == 0, workers.transcript() << server.transcript());

  // "worker-K runs job N" and "job N was done by worker-K".
  std::map<int, std::string> ran_by;
  std::map<int, std::string> reported_by;
  std::size_t runs = 0;
  for (const auto& line : workers.lines()) {
    if (const auto at = line.find(" runs job "); at != std::string::npos) {
      ++runs;
      ran_by[std::stoi(line.substr(at + 10))] = line.substr(0, at);
    } else if (line.starts_with("job ")) {
      const auto by = line.find(" was done by ");
      REQUIRE(by != std::string::npos);
      reported_by[std::stoi(line.substr(4, by - 4))] = line.substr(by + 13);
    }
  }
  CHECK_MESSAGE(runs == 12, workers.transcript());
  REQUIRE(ran_by.size() == 12);
  CHECK(ran_by == reported_by);

  std::set<std::string> busy;
  for (const auto& [job, worker] : ran_by) {
    CHECK((worker == "worker-1" || worker == "worker-2" || worker == "worker-3"));
    busy.insert(worker);
  }
  // The server picks a worker at random per call: all 12 on one of three is a 1 in 177147 event.
  CHECK_MESSAGE(busy.size() >= 2, workers.transcript());
  CHECK(workers.lines().back().starts_with("jobs per worker: "));
}
