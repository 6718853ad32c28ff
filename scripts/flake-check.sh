#!/usr/bin/env bash
# Makes flaky tests visible: runs every suite of an existing build N times in a row and stops
# at the first failure (ctest --repeat until-fail:N), with the parallelism CI uses. A test
# that fails here and passes alone is a bug to find (a race, a fixed wait), not to retry.
#   scripts/flake-check.sh [BUILD_DIR] [N]      default build/ and 3; build with scripts/test.sh first
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir="${1:-build}"
repeats="${2:-3}"
if [[ ! -f "$build_dir/CTestTestfile.cmake" ]]; then
  echo "flake-check: $build_dir is not a build directory (run scripts/test.sh first)" >&2
  exit 2
fi
started=$SECONDS
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" --repeat "until-fail:$repeats"
echo "flake-check: $repeats clean runs of every suite in $((SECONDS - started)) s"
