#!/usr/bin/env bash
# Builds resonate-cpp with warnings as errors and runs every test suite.
#   scripts/test.sh                    g++ build in build/ (the README's test command)
#   scripts/test.sh --compiler clang   clang-14 build in build-clang/
#   scripts/test.sh --sanitize         AddressSanitizer + UndefinedBehaviorSanitizer build with
#                                      clang-14 in build-clang-asan/ (--compiler gcc: g++ in build-asan/)
# ccache, when installed, caches compilations across build directories and checkouts.
set -euo pipefail
cd "$(dirname "$0")/.."

compiler=
sanitize=false
while (($#)); do
  case "$1" in
    --sanitize) sanitize=true ;;
    --compiler) compiler="${2:?--compiler needs gcc or clang}"; shift ;;
    *) echo "usage: scripts/test.sh [--sanitize] [--compiler gcc|clang]" >&2; exit 2 ;;
  esac
  shift
done

# The sanitizer run defaults to clang (CI's second compiler), the plain run to g++.
if [[ -z "$compiler" ]]; then
  if $sanitize; then compiler=clang; else compiler=gcc; fi
fi

scripts/install-deps.sh

options=(-DRESONATE_WERROR=ON -DRESONATE_BUILD_BENCHMARKS=ON)
case "$compiler" in
  gcc) build_dir=build; options+=(-DCMAKE_CXX_COMPILER=g++) ;;
  clang) build_dir=build-clang; options+=(-DCMAKE_CXX_COMPILER="$(command -v clang++-14 || command -v clang++)") ;;
  *) echo "test.sh: unknown compiler $compiler (gcc or clang)" >&2; exit 2 ;;
esac
if $sanitize; then
  [[ $compiler == gcc ]] && build_dir=build-asan || build_dir=build-clang-asan
  options+=(-DRESONATE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
else
  options+=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
fi
if command -v ccache >/dev/null 2>&1; then
  options+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # Paths relative to the checkout, so a fresh clone (CI) reuses what another one compiled.
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
fi

cmake -S . -B "$build_dir" "${options[@]}"
cmake --build "$build_dir" -j "$(nproc)"
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)"
