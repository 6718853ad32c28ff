// The crash soak, short: 48 executions on 4 workers, 4 worker SIGKILLs and one server SIGKILL
// at random moments, then the checks of docs/reliability.md; and its replicated mode, three
// servers over one PostgreSQL database (soak_test_replicated). scripts/soak.sh runs the long one.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>

#include "scratch_directory.hpp"
#include "server_store.hpp"
#include "soak_chain.hpp"
#include "soak_run.hpp"

namespace {

// A different schedule of kills each run unless RESONATE_SOAK_SEED pins one (printed).
std::uint64_t soak_seed() {
  const char* seed = std::getenv("RESONATE_SOAK_SEED");
  return seed ? std::stoull(seed) : std::random_device{}();
}

// The checks of docs/reliability.md on a finished run, and its figures.
void check_report(const resonate::soak::SoakParameters& parameters, const resonate::soak::SoakReport& report) {
  MESSAGE("seed " << parameters.seed << "\n" << report.figures());
  CHECK(report.worker_kills == parameters.worker_kills);
  CHECK(report.server_restarts == parameters.server_restarts + 1);  // the random ones and the final one
  CHECK(report.settled == parameters.executions);
  CHECK(report.promises_checked ==
        static_cast<std::size_t>(parameters.executions) * (1 + resonate::soak::children_per_execution));
  CHECK_MESSAGE(report.violations.empty(), report.figures() << report.transcript);
  CHECK_MESSAGE(report.harness_errors.empty(), report.figures() << report.transcript);
}

}  // namespace

TEST_CASE("crash soak: every execution settles once with its value despite SIGKILLed workers and server") {
  resonate::soak::SoakParameters parameters;
  parameters.executions = 48;
  parameters.workers = 4;
  parameters.worker_kills = 4;
  parameters.server_restarts = 1;
  parameters.deadline = std::chrono::seconds(45);
  parameters.seed = soak_seed();
  parameters.server_program = RESONATE_SERVER_PROGRAM;
  parameters.worker_program = SOAK_WORKER_PROGRAM;

  check_report(parameters, resonate::soak::run_soak(parameters));
}

TEST_CASE("crash soak, replicated: three servers on one PostgreSQL database, replicas SIGKILLed among workers") {
  if (!resonate::test_support::servers_use_postgres()) {
    MESSAGE("skipped: needs the PostgreSQL test cluster (run as soak_test_replicated)");
    return;
  }
  resonate::test_support::ScratchDirectory directory("resonate-soak-replicated");
  resonate::soak::SoakParameters parameters;
  parameters.executions = 48;
  parameters.workers = 4;
  parameters.worker_kills = 3;
  parameters.server_restarts = 2;
  parameters.replicas = 3;
  parameters.store = resonate::test_support::fresh_server_store(directory.path());
  parameters.deadline = std::chrono::seconds(60);
  parameters.seed = soak_seed();
  parameters.server_program = RESONATE_SERVER_PROGRAM;
  parameters.worker_program = SOAK_WORKER_PROGRAM;

  check_report(parameters, resonate::soak::run_soak(parameters));
}
