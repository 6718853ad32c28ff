// Microbenchmarks of the replay engine in embedded mode (Resonate::local, memory store).
//
// The workload is a durable function with K sequential ctx.run steps followed by an await on
// an external promise (ctx.promise). The first pass runs the K steps (a checkpoint is created
// and settled for each) and suspends on the promise; the benchmark then resolves the promise,
// which makes the engine execute the function again from the top: the K steps are replayed
// from their stored checkpoints. The function itself measures the K-step section of each pass
// (steady_clock around the loop), so the numbers exclude acquiring and fulfilling the task.
//
//   BM_ReadyAwaitable          baseline: co_await of an asio awaitable that co_returns at once
//   BM_FirstExecution/K        time of the K steps on the first pass   (counter ns_per_step)
//   BM_Replay/K                time of the K steps on the replay       (counter ns_per_checkpoint)
//   BM_SuspendedMemory/K       heap bytes held per suspended execution (mallinfo2 before/after)
//
// Results are meant to be read as ratios to the baseline of the same run (scripts/bench.sh).
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <time.h>

#include <chrono>
#include <cstdint>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "resonate/resonate.hpp"

namespace asio = boost::asio;
using resonate::Context;
using resonate::Resonate;

namespace {

// --- baseline -----------------------------------------------------------------------------

asio::awaitable<int> ready_value(int x) { co_return x; }

void BM_ReadyAwaitable(benchmark::State& state) {
  asio::io_context io;
  asio::co_spawn(
      io,
      [&state]() -> asio::awaitable<void> {
        int x = 0;
        for (auto _ : state) {
          x = co_await ready_value(x + 1);
          benchmark::DoNotOptimize(x);
        }
      },
      asio::detached);
  io.run();
}
BENCHMARK(BM_ReadyAwaitable);

// --- the durable workload -----------------------------------------------------------------

// What the function observed on its passes, for the current iteration.
struct Probe {
  int passes = 0;
  std::int64_t first_ns = 0;   // K steps on the first pass (wall clock)
  std::int64_t replay_ns = 0;  // K steps on the replay (wall clock)
  std::int64_t first_cpu_ns = 0;   // the same, in CPU time of the thread
  std::int64_t replay_cpu_ns = 0;
  bool waiting = false;        // the first pass has created its external promise
  std::string promise_id;
};

std::int64_t elapsed_ns(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - since).count();
}

// CPU time of the calling thread: on a shared, overloaded machine it is far steadier than the
// wall clock, which also counts the time other processes hold the cores.
std::int64_t thread_cpu_ns() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

// One embedded Resonate with the workload registered, driven by run_one so that each
// iteration runs exactly as long as it needs.
class Bench {
 public:
  Bench() : resonate_(Resonate::local(io_.get_executor())) {
    resonate_.register_function("steps", [this](Context& ctx, int k) -> asio::awaitable<int> {
      const int pass = ++probe_.passes;
      const auto started = std::chrono::steady_clock::now();
      const auto cpu_started = thread_cpu_ns();
      int sum = 0;
      for (int i = 0; i < k; ++i) {
        int value = co_await ctx.run([](int x) { return x; }, i);
        sum += value;
      }
      const auto took = elapsed_ns(started);
      const auto cpu_took = thread_cpu_ns() - cpu_started;
      if (pass == 1) {
        probe_.first_ns = took;
        probe_.first_cpu_ns = cpu_took;
      } else {
        probe_.replay_ns = took;
        probe_.replay_cpu_ns = cpu_took;
      }
      auto external = co_await ctx.promise<int>();
      if (pass == 1) {
        probe_.promise_id = external.id();
        probe_.waiting = true;
      }
      int last = co_await external.result();
      co_return sum + last;
    });
  }
  Bench(const Bench&) = delete;
  Bench& operator=(const Bench&) = delete;

  ~Bench() {
    resonate_.stop();
    io_.poll();
  }

  // Runs one execution of `steps` with K steps through its first pass and its replay.
  void run_once(int k) {
    probe_ = Probe{};
    const std::string id = "bench-" + std::to_string(k) + "-" + std::to_string(next_++);
    bool done = false;
    asio::co_spawn(
        io_,
        [this, id, k]() -> asio::awaitable<void> {
          auto handle = co_await resonate_.run<int>(id, "steps", k).spawn();
          co_await handle.result();
        },
        [&done](std::exception_ptr error) {
          done = true;
          if (error) std::rethrow_exception(error);
        });
    while (!probe_.waiting) io_.run_one();
    // Let the first pass finish suspending before the promise is resolved.
    io_.poll();
    asio::co_spawn(io_, resonate_.resolve(probe_.promise_id, 1), asio::detached);
    while (!done) io_.run_one();
  }

  // Starts `count` executions and returns once each has suspended on its external promise.
  void suspend_many(int k, int count) {
    int waiting = 0;
    for (int n = 0; n < count; ++n) {
      probe_ = Probe{};
      const std::string id = "idle-" + std::to_string(k) + "-" + std::to_string(next_++);
      asio::co_spawn(
          io_, [this, id, k]() -> asio::awaitable<void> { co_await resonate_.run<int>(id, "steps", k).spawn(); },
          asio::detached);
      while (!probe_.waiting) io_.run_one();
      ++waiting;
    }
    io_.poll();
    benchmark::DoNotOptimize(waiting);
  }

  const Probe& probe() const { return probe_; }

 private:
  asio::io_context io_;
  Resonate resonate_;
  Probe probe_;
  std::uint64_t next_ = 0;
};

void BM_FirstExecution(benchmark::State& state) {
  const int k = static_cast<int>(state.range(0));
  Bench bench;
  double total_ns = 0, total_cpu_ns = 0;
  for (auto _ : state) {
    bench.run_once(k);
    total_ns += static_cast<double>(bench.probe().first_ns);
    total_cpu_ns += static_cast<double>(bench.probe().first_cpu_ns);
    state.SetIterationTime(static_cast<double>(bench.probe().first_ns) * 1e-9);
  }
  const double steps = static_cast<double>(state.iterations()) * k;
  state.counters["ns_per_step"] = total_ns / steps;
  state.counters["cpu_ns_per_step"] = total_cpu_ns / steps;
}

void BM_Replay(benchmark::State& state) {
  const int k = static_cast<int>(state.range(0));
  Bench bench;
  double total_ns = 0, total_cpu_ns = 0;
  for (auto _ : state) {
    bench.run_once(k);
    if (bench.probe().passes != 2) state.SkipWithError("the execution was not replayed exactly once");
    total_ns += static_cast<double>(bench.probe().replay_ns);
    total_cpu_ns += static_cast<double>(bench.probe().replay_cpu_ns);
    state.SetIterationTime(static_cast<double>(bench.probe().replay_ns) * 1e-9);
  }
  const double checkpoints = static_cast<double>(state.iterations()) * k;
  state.counters["ns_per_checkpoint"] = total_ns / checkpoints;
  state.counters["cpu_ns_per_checkpoint"] = total_cpu_ns / checkpoints;
}

// Heap in use, including chunks glibc serves with mmap (large preloads).
double heap_in_use() {
  const auto info = mallinfo2();
  return static_cast<double>(info.uordblks + info.hblkhd);
}

void BM_SuspendedMemory(benchmark::State& state) {
  const int k = static_cast<int>(state.range(0));
  // Enough executions that per-execution noise averages out, without large K taking long.
  const int count = std::max(2, 2000 / k);
  Bench bench;
  bench.suspend_many(k, 4);  // warm up pools and the store's containers
  double bytes = 0;
  for (auto _ : state) {
    const double before = heap_in_use();
    bench.suspend_many(k, count);
    bytes = (heap_in_use() - before) / count;
  }
  state.counters["bytes_per_execution"] = bytes;
  state.counters["bytes_per_checkpoint"] = bytes / k;
}

void checkpoint_counts(benchmark::internal::Benchmark* b) {
  for (int k : {1, 10, 100, 1000, 10000}) b->Arg(k);
}

BENCHMARK(BM_FirstExecution)->Apply(checkpoint_counts)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Replay)->Arg(1)->Iterations(2000)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Replay)->Arg(10)->Iterations(300)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Replay)->Arg(100)->Iterations(30)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Replay)->Arg(1000)->Iterations(2)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Replay)->Arg(10000)->Iterations(1)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SuspendedMemory)->Apply(checkpoint_counts)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
