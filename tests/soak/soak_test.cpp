// The crash soak, short: 48 executions on 4 workers, 4 worker SIGKILLs and one server SIGKILL
// at random moments, then the checks of docs/reliability.md. scripts/soak.sh runs the long one.
#include <doctest/doctest.h>

#include <cstdlib>
#include <random>
#include <string>

#include "soak_chain.hpp"
#include "soak_run.hpp"

TEST_CASE("crash soak: every execution settles once with its value despite SIGKILLed workers and server") {
  resonate::soak::SoakParameters parameters;
  parameters.executions = 48;
  parameters.workers = 4;
  parameters.worker_kills = 4;
  parameters.server_restarts = 1;
  parameters.deadline = std::chrono::seconds(45);
  // A different schedule of kills each run unless RESONATE_SOAK_SEED pins one (printed below).
  const char* seed = std::getenv("RESONATE_SOAK_SEED");
  parameters.seed = seed ? std::stoull(seed) : std::random_device{}();
  parameters.server_program = RESONATE_SERVER_PROGRAM;
  parameters.worker_program = SOAK_WORKER_PROGRAM;

  const auto report = resonate::soak::run_soak(parameters);
  MESSAGE("seed " << parameters.seed << "\n" << report.figures());
  CHECK(report.worker_kills == 4);
  CHECK(report.server_restarts == 2);  // the random one and the final one before the checks
  CHECK(report.settled == 48);
  CHECK(report.promises_checked == 48 * (1 + resonate::soak::children_per_execution));
  CHECK_MESSAGE(report.violations.empty(), report.figures() << report.transcript);
  CHECK_MESSAGE(report.harness_errors.empty(), report.figures() << report.transcript);
}
