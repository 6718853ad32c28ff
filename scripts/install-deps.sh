#!/usr/bin/env bash
# Installs everything resonate-cpp needs on a fresh Debian 12 machine: the C++ toolchain and
# libraries (Debian packages only), PostgreSQL for the store tests, clang + libFuzzer for the
# bounded fuzzing run, and the official TypeScript (npm) and Python (PyPI, into a venv) SDKs
# for the interoperability tests (scripts/install-interop-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++ cmake make pkg-config
  libboost1.81-dev libboost-json1.81-dev
  doctest-dev libsqlite3-dev libpq-dev libbenchmark-dev libssl-dev
  postgresql
  # The second compiler (scripts/test.sh --compiler clang / --sanitize) and the bounded fuzzing
  # of the protocol core (scripts/fuzz.sh): clang with libFuzzer, whose runtime
  # (libclang_rt.fuzzer, also ASan/UBSan for clang) is only a Recommends of clang-14.
  clang-14 libclang-rt-14-dev
  # Compilation cache shared by the build directories and checkouts (CI's clean clone).
  ccache
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
# Node.js may already come from another source that bundles npm; only then skip Debian's.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [[ -x scripts/install-interop-deps.sh ]]; then
  scripts/install-interop-deps.sh
fi
