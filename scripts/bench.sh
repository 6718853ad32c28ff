#!/usr/bin/env bash
# Runs every benchmark of resonate-cpp and writes the results docs/benchmarks.md reports:
#   benchmarks/results/micro.json    Google Benchmark JSON (checkpoint_bench, repetitions)
#   benchmarks/results/ts.json       the same workload on @resonatehq/sdk 0.11.5 (Node.js)
#   benchmarks/results/e2e-*.json    e2e_bench through resonate-server (SQLite, PostgreSQL)
#   benchmarks/results/summary.md    the tables, as ratios to the in-run baselines
#
# Environment (all optional):
#   BUILD_DIR    Release build directory               (default build-bench-release)
#   KS           checkpoint counts, comma separated    (default 1,10,100,1000,10000)
#   TS_KS        checkpoint counts for the TS SDK      (default: KS)
#   REPETITIONS  repetitions of each microbenchmark    (default 5; medians are reported)
#   MIN_TIME     seconds per microbenchmark run        (default 0.2)
#   E2E_SECONDS  seconds per throughput/latency run    (default 3)
#   WORKERS      worker process counts                 (default 1,2,4)
#   TTLS         lease ttls for the failover runs, ms  (default 2000,5000,10000)
#   SLEEPERS     executions suspended at once, SQLite  (default 100000; 0 leaves it out; the
#                1,000,000 of issue 11 take about 10 minutes)
#   SKIP_BUILD=1, SKIP_TS=1, SKIP_E2E=1, SKIP_POSTGRES=1 leave a part out.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build-bench-release}
ks=${KS:-1,10,100,1000,10000}
ts_ks=${TS_KS:-$ks}
repetitions=${REPETITIONS:-5}
min_time=${MIN_TIME:-0.2}
e2e_seconds=${E2E_SECONDS:-3}
workers=${WORKERS:-1,2,4}
ttls=${TTLS:-2000,5000,10000}
results=$root/benchmarks/results
mkdir -p "$results"

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DRESONATE_BUILD_BENCHMARKS=ON >/dev/null
  cmake --build "$build" -j"$(nproc)" --target checkpoint_bench e2e_bench resonate-server
fi

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs) x $(nproc)"
  echo "load_before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "compiler: $(c++ --version | head -1)"
  echo "node: $(node --version 2>/dev/null || echo none)"
} >"$results/machine.txt"

# --- microbenchmarks ------------------------------------------------------------------------
k_regex=$(echo "$ks" | sed 's/,/|/g')
echo "bench: checkpoint_bench K in {$ks}, $repetitions repetitions" >&2
"$build/benchmarks/checkpoint_bench" \
  "--benchmark_filter=BM_ReadyAwaitable|/($k_regex)/" \
  --benchmark_min_time="$min_time" --benchmark_repetitions="$repetitions" \
  --benchmark_report_aggregates_only=true \
  --benchmark_out="$results/micro.json" --benchmark_out_format=json

# --- TypeScript SDK -------------------------------------------------------------------------
if [[ ${SKIP_TS:-0} != 1 ]]; then
  "$root/scripts/install-interop-deps.sh" >&2
  echo "bench: TypeScript SDK K in {$ts_ks}" >&2
  node --expose-gc "$root/benchmarks/ts/checkpoint_bench.mjs" --ks="$ts_ks" --min-time="$min_time" \
    --repetitions="$repetitions" >"$results/ts.json"
fi

# --- end to end -----------------------------------------------------------------------------
if [[ ${SKIP_E2E:-0} != 1 ]]; then
  scratch=$(mktemp -d)
  pg_dir=""
  cleanup() {
    [[ -n $pg_dir ]] && "$root/scripts/pg-test-cluster.sh" stop "$pg_dir" >/dev/null 2>&1 || true
    rm -rf "$scratch"
  }
  trap cleanup EXIT
  e2e=("$build/benchmarks/e2e_bench" drive --server "$build/tools/resonate-server"
       --workers "$workers" --ttls "$ttls" --seconds "$e2e_seconds")
  # The TypeScript SDK's in-memory server as a peer, when the interop tests' packages are there
  # (npm ci in tests/interop).
  peer=()
  if command -v node >/dev/null && [[ -f $root/tests/interop/node_modules/@resonatehq/sdk/package.json ]]; then
    peer=(--peer "$root/tests/interop/memory_server.mjs")
  fi
  echo "bench: e2e on SQLite" >&2
  "${e2e[@]}" --store "$scratch/bench.db" "${peer[@]}" --sleepers "${SLEEPERS:-100000}" >"$results/e2e-sqlite.json"
  if [[ ${SKIP_POSTGRES:-0} != 1 ]]; then
    # Under the build directory: the cluster runs as user postgres, which cannot enter a
    # mktemp directory (mode 0700) when this script runs as root.
    pg_dir=$build/bench-pg-cluster
    conninfo=$("$root/scripts/pg-test-cluster.sh" start "$pg_dir")
    echo "bench: e2e on PostgreSQL" >&2
    "${e2e[@]}" --store "$conninfo" --replicas 1,2,3 >"$results/e2e-postgres.json"
  fi
fi

echo "load_after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$results/machine.txt"
python3 "$root/benchmarks/summarize.py" "$results" >"$results/summary.md"
cat "$results/summary.md"
