#!/usr/bin/env bash
# Instructions per durable step, first pass and replay, counted by callgrind: repeatable on a
# noisy machine, so a change to the step path can be measured against its parent commit.
#   scripts/profile-steps.sh [BUILD_DIR] [K] [N]    (defaults: build 100 5)
set -euo pipefail
build=${1:-build}
k=${2:-100}
n=${3:-5}
program="$build/benchmarks/step_profile"
[[ -x $program ]] || { echo "profile-steps: $program missing (needs valgrind and RESONATE_BUILD_BENCHMARKS=ON)" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for pass in first replay; do
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out/$pass.out" \
    "$program" "$k" "$n" "$pass" >/dev/null 2>"$out/$pass.log"
  total=$(callgrind_annotate "$out/$pass.out" 2>/dev/null | awk '/PROGRAM TOTALS/ && !found {gsub(",", "", $1); print $1; found = 1}')
  printf '%-7s %8d instructions per step  (K=%d, N=%d)\n' "$pass" $((total / (k * n))) "$k" "$n"
done
