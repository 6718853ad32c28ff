// soak_driver: the crash soak with parameters (scripts/soak.sh, docs/reliability.md).
//
//   soak_driver [--executions N] [--workers W] [--worker-kills K] [--server-restarts S]
//               [--seed X] [--deadline-s D] [--replicas R --store POSTGRES_CONNINFO] [--quiet]
//
// With --replicas, R servers share the PostgreSQL database and each server restart SIGKILLs one
// of them.
//
// Prints the figures; exit status 0 when every check passed, 1 otherwise.
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>

#include "soak_run.hpp"

int main(int argc, char** argv) {
  resonate::soak::SoakParameters parameters;
  parameters.executions = 1000;
  parameters.workers = 4;
  parameters.worker_kills = 20;
  parameters.server_restarts = 3;
  parameters.deadline = std::chrono::seconds(600);
  parameters.spawn_batch = 25;
  parameters.seed = std::random_device{}();
  parameters.progress = true;
  parameters.server_program = RESONATE_SERVER_PROGRAM;
  parameters.worker_program = SOAK_WORKER_PROGRAM;

  for (int i = 1; i < argc; ++i) {
    const std::string_view name = argv[i];
    if (name == "--quiet") {
      parameters.progress = false;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "soak_driver: %s needs a value\n", argv[i]);
      return 2;
    }
    if (name == "--store") {
      parameters.store = argv[++i];
      continue;
    }
    const long long value = std::atoll(argv[++i]);
    if (name == "--executions") parameters.executions = static_cast<int>(value);
    else if (name == "--workers") parameters.workers = static_cast<int>(value);
    else if (name == "--worker-kills") parameters.worker_kills = static_cast<int>(value);
    else if (name == "--server-restarts") parameters.server_restarts = static_cast<int>(value);
    else if (name == "--seed") parameters.seed = static_cast<std::uint64_t>(value);
    else if (name == "--deadline-s") parameters.deadline = std::chrono::seconds(value);
    else if (name == "--replicas") parameters.replicas = static_cast<int>(value);
    else {
      std::fprintf(stderr, "soak_driver: unknown option %s\n", argv[i - 1]);
      return 2;
    }
  }
  if (parameters.executions < 1 || parameters.workers < 1 || parameters.replicas < 1) {
    std::fprintf(stderr, "soak_driver: --executions, --workers and --replicas must be at least 1\n");
    return 2;
  }
  if (parameters.replicas > 1 && parameters.store.empty()) {
    std::fprintf(stderr, "soak_driver: --replicas needs --store with a PostgreSQL conninfo\n");
    return 2;
  }

  resonate::soak::SoakReport report;
  try {
    report = resonate::soak::run_soak(parameters);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "soak_driver: %s\n", error.what());
    return 2;
  }
  std::printf("seed                %llu\n%s", static_cast<unsigned long long>(parameters.seed), report.figures().c_str());
  const bool clean = report.violations.empty() && report.harness_errors.empty();
  if (!clean) std::printf("%s", report.transcript.c_str());
  return clean ? 0 : 1;
}
