// The crash soak (docs/reliability.md): `executions` runs of soak_chain through a resonate-server
// on an SQLite file, served by `workers` worker processes, while the driver SIGKILLs workers
// and the server at random moments and restarts them. Replicated: `replicas` servers over one
// PostgreSQL database (`store`), each worker and the client given every replica's URL (each
// worker starting from another one), and a random replica SIGKILLed at each server restart. At the end it checks, from the server's
// records and from everything the workers printed, that nothing was lost, duplicated or
// recorded with a different value.
//
// Used by the CTest variant (soak_test.cpp, small N) and by scripts/soak.sh (soak_driver).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace resonate::soak {

struct SoakParameters {
  int executions = 48;
  int workers = 4;
  int worker_kills = 4;     // SIGKILL + restart of a random worker, at random moments
  int server_restarts = 1;  // SIGKILL + restart of the server, at random moments
  std::uint64_t seed = 1;
  std::chrono::seconds deadline{50};  // for all executions to settle
  std::chrono::milliseconds worker_ttl{2000};     // lease of a killed worker's tasks
  std::chrono::milliseconds retry_interval{2000}; // server re-sends execute of pending tasks
  int spawn_batch = 16;                           // executions started per driver round
  int replicas = 1;   // servers over one database; more than one needs a PostgreSQL `store`
  std::string store;  // empty: an SQLite file in the scratch directory
  std::string server_program;
  std::string worker_program;
  bool progress = false;  // a line per round on stderr
};

struct SoakReport {
  // Figures.
  int executions = 0;
  int workers = 0;
  int replicas = 1;
  int settled = 0;              // root promises resolved at the end
  int worker_kills = 0;
  int server_restarts = 0;      // during the run (one replica each), plus the final one (all) before the durability check
  int worker_starts = 0;
  std::int64_t elapsed_ms = 0;  // first spawn to the last root settled
  std::size_t invocations = 0;  // executions of the function body (first runs and replays)
  std::size_t step_runs = 0;    // step code started (exactly 3 per execution without crashes)
  std::size_t completions = 0;  // bodies that reached their return
  std::size_t spawn_retries = 0;  // client calls that failed (server down) and were repeated
  std::size_t failed_polls = 0;   // progress queries that failed (server down)
  std::size_t promises_checked = 0;

  // Everything that went wrong; empty on success.
  std::vector<std::string> violations;
  // Problems of the harness itself (e.g. a worker's output line it cannot read): they fail the
  // run too, but are not evidence against durability.
  std::vector<std::string> harness_errors;
  // The tail of every process's output, for a failure message.
  std::string transcript;

  std::string figures() const;
};

SoakReport run_soak(const SoakParameters& parameters);

}  // namespace resonate::soak
