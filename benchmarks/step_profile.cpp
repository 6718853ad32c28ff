// Instruction counts of the durable step path, for callgrind (stable on a noisy machine,
// unlike wall-clock figures): a function of K sequential ctx.run steps, then an external
// promise, executed N times in embedded mode. Only the K-step loop of the chosen pass is
// instrumented, so acquire, suspension and the harness are not counted.
//
//   valgrind --tool=callgrind --instr-atstart=no step_profile K N first|replay
//
// scripts/profile-steps.sh runs both passes and prints instructions per step.
#include <valgrind/callgrind.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "resonate/resonate.hpp"

namespace asio = boost::asio;
using resonate::Context;
using resonate::Resonate;

int main(int argc, char** argv) {
  if (argc != 4 || (std::string(argv[3]) != "first" && std::string(argv[3]) != "replay")) {
    std::fprintf(stderr, "usage: %s K N first|replay\n", argv[0]);
    return 2;
  }
  const int k = std::atoi(argv[1]);
  const int n = std::atoi(argv[2]);
  const bool measure_replay = std::string(argv[3]) == "replay";
  asio::io_context io;
  auto resonate = Resonate::local(io.get_executor());
  int passes = 0;
  std::string approval_id;
  resonate.register_function("steps", [&](Context& ctx, int count) -> asio::awaitable<int> {
    const int pass = ++passes;
    const bool measured = (pass == 1) != measure_replay;
    if (measured) CALLGRIND_START_INSTRUMENTATION;
    int sum = 0;
    for (int i = 0; i < count; ++i) {
      auto identity = [](int x) { return x; };
      sum += co_await ctx.run(identity, i);
    }
    if (measured) CALLGRIND_STOP_INSTRUMENTATION;
    auto approval = co_await ctx.promise<int>();
    if (pass == 1) approval_id = approval.id();
    co_return sum + co_await approval.result();
  });
  for (int round = 0; round < n; ++round) {
    passes = 0;
    approval_id.clear();
    bool done = false;
    asio::co_spawn(
        io,
        [&, id = "profile-" + std::to_string(round)]() -> asio::awaitable<void> {
          auto handle = co_await resonate.run<int>(id, "steps", k).spawn();
          co_await handle.result();
        },
        [&done](std::exception_ptr error) {
          done = true;
          if (error) std::rethrow_exception(error);
        });
    while (approval_id.empty()) io.run_one();  // the first pass has suspended on the approval
    asio::co_spawn(io, resonate.resolve(approval_id, 1), asio::detached);
    while (!done) io.run_one();
  }
  resonate.stop();
  io.poll();
  std::printf("steps=%d executions=%d pass=%s\n", k, n, argv[3]);
}
