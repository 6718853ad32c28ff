// The load-balancing example's programs (load_balancing_worker, load_balancing_client) in a
// test's fleet, and the scenario its own test runs: what load_balancing_test and the
// two-server interop test share.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "child_process.hpp"
#include "fleet.hpp"

namespace load_balancing {

using resonate::test_support::ChildProcess;
using resonate::test_support::Fleet;

// The commands that start a worker and a client: load_balancing_worker and
// load_balancing_client, or programs of another SDK that take the same options and print the
// same lines (tests/interop/python: `python worker.py`, `python client.py`). Each is the
// program and its leading arguments; Calls appends the options.
struct Programs {
  Programs(std::string worker_program, std::string client_program)
      : worker{std::move(worker_program)}, client{std::move(client_program)} {}
  Programs(std::vector<std::string> worker_command, std::vector<std::string> client_command)
      : worker(std::move(worker_command)), client(std::move(client_command)) {}

  std::vector<std::string> worker;  // started with --url URL --name NAME --ttl-ms MS
  std::vector<std::string> client;  // started with --url URL --id ID --cost SECONDS --wait
};

// A worker's event line: "[NAME] EVENT id=ID ..." (the event padded with spaces).
std::function<bool(std::string_view)> event(const std::string& name, const std::string& what, const std::string& id);

std::int64_t integer(const boost::json::object& object, std::string_view key);

class Calls {
 public:
  Calls(Fleet& fleet, Programs programs) : fleet_(fleet), programs_(std::move(programs)) {}

  // A worker named `name`, started and connected to the server's message stream. The lease
  // leaves a heartbeat (every ttl/2, each waiting for a commit) room on a loaded machine; the
  // scenarios kill workers only while their calls sleep, so no case waits for it to lapse.
  ChildProcess& worker(const std::string& name, int ttl_ms = 6000);

  // load_balancing_client for call `id`, waiting for its result.
  ChildProcess& client(const std::string& id, int cost);

  // The result the client of call `id` printed, as JSON; fails the test on an error or timeout.
  boost::json::object result(ChildProcess& client, const std::string& id, std::chrono::milliseconds limit);

  Fleet& fleet() { return fleet_; }

 private:
  Fleet& fleet_;
  Programs programs_;
};

// The example's own scenario: two workers; a long call (8 s) whose worker is SIGKILLed halfway
// through its sleep must end on the other worker at its original deadline, while two short calls
// are served meanwhile. Checks the timings on the way; returns what must not depend on the
// server: the values, with the workers named by their roles ("starter", "survivor").
boost::json::object crash_mid_sleep(Calls& calls);

}  // namespace load_balancing
