#!/usr/bin/env bash
# The long crash soak (docs/reliability.md): 1000 executions of a multi-step workflow across 4
# worker processes on a resonate-server with an on-disk SQLite store, while workers (20 times)
# and the server (3 times) are SIGKILLed at random moments and restarted; then every promise and
# every step's checkpoint is checked. Bounded: it fails after 10 minutes at most.
#
#   scripts/soak.sh [soak_driver options]     e.g. --executions 200 --seed 42 --worker-kills 8
#
# Builds soak_driver in build/ (the configuration of scripts/test.sh) and prints the figures;
# the exit status is non-zero when a check failed. Rerun a failure with the printed --seed.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir="${RESONATE_BUILD_DIR:-build}"
cmake -S . -B "$build_dir" -DRESONATE_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target soak_driver soak_worker resonate-server
exec "$build_dir/tests/soak/soak_driver" --executions 1000 --workers 4 --worker-kills 20 --server-restarts 3 \
  --deadline-s 600 "$@"
