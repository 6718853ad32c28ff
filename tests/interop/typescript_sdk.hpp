// What the interop tests share about the programs of tests/interop: whether Node.js and the
// official TypeScript SDK are there (skip on a developer machine, fail in CI), the progress lines
// of worker.mjs and client.mjs (progress.mjs), and how those programs are started.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "child_process.hpp"
#include "fleet.hpp"
#include "output_lines.hpp"

namespace interop {

inline const std::filesystem::path directory = INTEROP_DIRECTORY;

inline bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && *ci != '\0';
}

// Whether a language's toolchain and SDK are there: `problem` says what is missing, with the
// remedy. Missing, a case is skipped on a developer machine but fails in CI, where a missing
// SDK would hide a broken proof. (For every language of tests/interop.)
inline bool toolchain_ready(const std::optional<std::string>& problem) {
  if (!problem) return true;
  if (running_in_ci()) FAIL(*problem);
  MESSAGE("skipped: " << *problem);
  return false;
}

// Node.js and @resonatehq/sdk (installed by scripts/install-interop-deps.sh), which the TS
// programs and memory_server.mjs need. Without them a case is skipped on a developer machine,
// but never in CI, where a missing SDK would hide a broken proof.
inline bool sdk_available() {
  std::string remedy;
  if (!resonate::test_support::find_program("node")) {
    remedy = "node is not on PATH (Node.js 20 or newer)";
  } else if (!std::filesystem::exists(directory / "node_modules" / "@resonatehq" / "sdk" / "package.json")) {
    remedy = "@resonatehq/sdk is not installed in tests/interop; run scripts/install-interop-deps.sh";
  } else {
    return true;
  }
  if (running_in_ci()) FAIL(remedy);
  MESSAGE("skipped: " << remedy);
  return false;
}

// memory_server.mjs as a fleet's server.
inline resonate::test_support::ServerSpec memory_server() {
  return resonate::test_support::memory_server((directory / "memory_server.mjs").string());
}

// The value of `key=` in a progress line (`event key=value key=value`). Plain values end at the
// next space; JSON values (objects, arrays, strings) are always last on a line and run to its end
// (which output_lines.hpp's field, for plain values only, does not handle).
inline std::optional<std::string> field(std::string_view line, std::string_view key) {
  const std::string marker = " " + std::string(key) + "=";
  const auto start = line.find(marker);
  if (start == std::string_view::npos) return std::nullopt;
  auto value = line.substr(start + marker.size());
  if (!value.starts_with('{') && !value.starts_with('[') && !value.starts_with('"')) {
    value = value.substr(0, value.find(' '));
  }
  return std::string(value);
}

inline std::int64_t integer_field(std::string_view line, std::string_view key) {
  const auto text = field(line, key);
  REQUIRE_MESSAGE(text.has_value(), "no " << key << "= in: " << line);
  return std::stoll(*text);
}

// A line printed for `event` about execution `id`.
inline auto event_for(std::string event, std::string id) {
  return [event = std::move(event), id = std::move(id)](std::string_view line) {
    return line.starts_with(event + " ") && field(line, "id") == id;
  };
}

// The `result id=<id> …` or `error id=<id> …` line of a client.mjs; fails unless it is a result.
inline std::string await_result_line(const resonate::test_support::Fleet& fleet,
                                     resonate::test_support::ChildProcess& client, const std::string& id,
                                     std::chrono::milliseconds timeout) {
  const auto line = client.wait_for_line(resonate::test_support::outcome_line(id), timeout);
  REQUIRE_MESSAGE(line.has_value(), "no result for " << id << "\n" << fleet.transcript());
  REQUIRE_MESSAGE(line->starts_with("result "), *line << "\n" << fleet.transcript());
  return *line;
}

// worker.mjs in group `workers` of the fleet's server, waited for until its stream is open;
// `functions` are those it registers (worker.mjs --functions).
inline resonate::test_support::ChildProcess& start_worker(resonate::test_support::Fleet& fleet, const std::string& pid,
                                                          std::int64_t ttl_ms, std::int64_t hold_ms = 0,
                                                          const std::string& functions = "compute,hold") {
  auto& process = fleet.start("worker " + pid, {"node", (directory / "worker.mjs").string(), fleet.url(),
                                                "--pid=" + pid, "--ttl=" + std::to_string(ttl_ms),
                                                "--hold=" + std::to_string(hold_ms), "--functions=" + functions,
                                                "--verbose"});
  REQUIRE_MESSAGE(process.wait_for_line_starting("connected", std::chrono::seconds(15)).has_value(),
                  "worker " << pid << " did not connect\n" << fleet.transcript());
  return process;
}

// client.mjs starting `func(args...)` as execution `id` on group `workers` and waiting for it.
inline resonate::test_support::ChildProcess& start_client(resonate::test_support::Fleet& fleet, const std::string& id,
                                                          const std::string& func, const std::string& args_json) {
  return fleet.start("client " + id, {"node", (directory / "client.mjs").string(), fleet.url(), "--id=" + id,
                                      "--func=" + func, "--args=" + args_json, "--verbose"});
}

}  // namespace interop
