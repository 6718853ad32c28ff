#!/usr/bin/env bash
# Builds the libFuzzer target of the protocol core with clang, ASan and UBSan in build-fuzz/
# and runs it for a bounded time (docs/fuzzing.md).
#
#   scripts/fuzz.sh [seconds]      default 60
#
# Needs clang++-14 (or clang++) with libFuzzer: Debian packages clang-14 and libclang-rt-14-dev.
# The corpus grows in build-fuzz/corpus/; a finding is written as build-fuzz/crash-* and the
# script exits non-zero. Reproduce one with: build-fuzz/tests/fuzz/core_fuzzer build-fuzz/crash-…
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-fuzz"

compiler="$(command -v clang++-14 || command -v clang++ || true)"
if [[ -z "$compiler" ]]; then
  echo "fuzz.sh: clang++ not found (install the Debian packages clang-14 and libclang-rt-14-dev)" >&2
  exit 2
fi
c_compiler="${compiler/clang++/clang}"

# Coverage instrumentation everywhere (fuzzer-no-link); only core_fuzzer links libFuzzer's main.
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"
cmake -S "$root" -B "$build" \
  -DCMAKE_CXX_COMPILER="$compiler" -DCMAKE_C_COMPILER="$c_compiler" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build "$build" -j2 --target core_fuzzer

mkdir -p "$build/corpus"
# -max_len: a few hundred bytes drive a long operation sequence or a complete envelope.
cd "$build"
exec "$build/tests/fuzz/core_fuzzer" -max_total_time="$seconds" -max_len=1024 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 "$build/corpus" "$root/tests/fuzz/corpus"
