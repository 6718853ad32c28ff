#!/usr/bin/env bash
# Installs the official Resonate SDKs that the interoperability tests (tests/interop) run
# beside the C++ SDK, each from its own registry at an exact version:
#
#   node    @resonatehq/sdk (npm), pinned in tests/interop/package-lock.json -> tests/interop/node_modules
#   python  resonate-sdk (PyPI), pinned with hashes in tests/interop/python/requirements.txt
#           -> a venv in tests/interop/python/.venv, made with CPython 3.12
#   rust    resonate-sdk (the crates registry), pinned in tests/interop/rust/Cargo.lock -> the worker and
#           client built into tests/interop/rust/bin
#
#   scripts/install-interop-deps.sh [node] [python] [rust]     (no argument: all of them)
#
# (The Go SDK, resonate-sdk-go, is not installed: the Go module proxy does not serve it;
# tests/interop/go/README.md.)
#
# Idempotent: a language whose installation matches its pin file is left alone. Offline-safe
# once cached: npm ci reads npm's cache; the Python wheels are kept in a wheelhouse
# (${XDG_CACHE_HOME:-~/.cache}/resonate-cpp/interop-wheels) and installed from there without
# an index; cargo reads ~/.cargo and builds in a cache target dir
# (${XDG_CACHE_HOME:-~/.cache}/resonate-cpp/cargo-target).
#
# A missing toolchain (no Node.js 20+, no Python 3.12, no cargo) is reported; it fails this script only
# when CI is set, since the tests of that language then skip on a developer machine but fail
# in CI. A failed installation with the toolchain present always fails the script.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
interop="$root/tests/interop"

say() { echo "install-interop-deps: $*"; }

# A toolchain is missing: fatal in CI, a note elsewhere.
missing_toolchain() {
  say "$1" >&2
  if [[ -n ${CI:-} ]]; then return 1; fi
  say "(the tests that need it are skipped on this machine; in CI they fail)" >&2
  return 0
}

install_node() {
  cd "$interop"
  if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    missing_toolchain "node or npm not found; install Node.js 20 or newer and npm (scripts/install-deps.sh)"
    return
  fi
  # The SDK (and its eventsource dependency) needs Node.js 20 or newer; Debian 12's own nodejs is 18.
  local node_major
  node_major=$(node -p 'process.versions.node.split(".")[0]')
  if ((node_major < 20)); then
    missing_toolchain "Node.js $(node --version) is too old; @resonatehq/sdk 0.11.5 needs 20 or newer"
    return
  fi
  # npm records what it installed in node_modules/.package-lock.json; when that matches the
  # committed lock file the tree is current and `npm ci` (which always reinstalls) is skipped.
  if [[ -f node_modules/.package-lock.json ]] &&
    node -e '
      const want = require("./package-lock.json").packages;
      const have = require("./node_modules/.package-lock.json").packages;
      for (const [path, entry] of Object.entries(want)) {
        if (path !== "" && have[path]?.version !== entry.version) process.exit(1);
      }
    ' 2>/dev/null; then
    say "tests/interop/node_modules is up to date"
    return
  fi
  say "npm ci in tests/interop"
  npm ci --no-audit --no-fund --loglevel=error
}

# The interpreter the venv is made with: RESONATE_INTEROP_PYTHON if set, else pyenv's 3.12.1
# (the machine image's), else any python3.12 on PATH. The pinned wheels are CPython 3.12 ones.
find_python312() {
  local candidate
  for candidate in "${RESONATE_INTEROP_PYTHON:-}" "pyenv:3.12.1" python3.12; do
    [[ -n $candidate ]] || continue
    local command=("$candidate")
    if [[ $candidate == pyenv:* ]]; then command=(env "PYENV_VERSION=${candidate#pyenv:}" python3.12); fi
    if "${command[@]}" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1; then
      printf '%s\n' "${command[@]}"
      return 0
    fi
  done
  return 1
}

install_python() {
  local dir="$interop/python"
  local venv="$dir/.venv"
  local requirements="$dir/requirements.txt"
  local python
  if ! python=$(find_python312); then
    missing_toolchain "no CPython 3.12 found (tried \$RESONATE_INTEROP_PYTHON, PYENV_VERSION=3.12.1 python3.12, python3.12); resonate-sdk 0.8 needs Python 3.12 or newer"
    return
  fi
  local -a python_command
  mapfile -t python_command <<<"$python"

  # The venv is current when it was made from this requirements file with this interpreter.
  local stamp
  stamp="$(sha256sum "$requirements" | cut -d' ' -f1) $("${python_command[@]}" -c 'import sys; print(sys.version.split()[0])')"
  if [[ -x $venv/bin/python && -f $venv/.installed && $(cat "$venv/.installed") == "$stamp" ]]; then
    say "tests/interop/python/.venv is up to date"
    return
  fi

  local wheelhouse="${XDG_CACHE_HOME:-$HOME/.cache}/resonate-cpp/interop-wheels"
  mkdir -p "$wheelhouse"
  say "making tests/interop/python/.venv with $("${python_command[@]}" --version 2>&1)"
  rm -rf "$venv"
  "${python_command[@]}" -m venv "$venv"
  local pip=("$venv/bin/python" -m pip --disable-pip-version-check --no-input -q)
  # From the wheelhouse without an index when it has every pinned file; else fetch them into it
  # first (checked against the hashes), then install from it all the same.
  if ! "${pip[@]}" install --no-index --find-links "$wheelhouse" --require-hashes --no-deps -r "$requirements" 2>/dev/null; then
    say "downloading the pinned wheels into $wheelhouse"
    "${pip[@]}" download --require-hashes --no-deps --dest "$wheelhouse" -r "$requirements"
    "${pip[@]}" install --no-index --find-links "$wheelhouse" --require-hashes --no-deps -r "$requirements"
  fi
  "$venv/bin/python" -c 'import resonate.resonate'
  echo "$stamp" >"$venv/.installed"
  say "installed $("$venv/bin/python" -m pip --disable-pip-version-check freeze | grep '^resonate-sdk==') in tests/interop/python/.venv"
}

# The Rust SDK's programs (tests/interop/rust), built with the crates of Cargo.lock into a cache
# target dir (RESONATE_INTEROP_CARGO_TARGET overrides it); the worker and client are copied to
# tests/interop/rust/bin (ignored by git) and a stamp is written last.
install_rust() {
  local dir="$interop/rust"
  local bin="$dir/bin"
  # rustup's place, which a non-login shell (CI) may not have on PATH.
  local cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
  if [[ -d $cargo_bin ]]; then PATH="$cargo_bin:$PATH"; fi
  if ! command -v cargo >/dev/null 2>&1 || ! command -v rustc >/dev/null 2>&1; then
    missing_toolchain "cargo or rustc not found; install Rust 1.88 or newer (rustup) for resonate-sdk (tests/interop/rust)"
    return
  fi
  cd "$dir"
  # Current when built from these sources and lock file with this compiler.
  local stamp
  stamp="$(cat Cargo.toml Cargo.lock $(find src -name '*.rs' | LC_ALL=C sort) | sha256sum | cut -d' ' -f1) $(rustc --version)"
  if [[ -x $bin/worker && -x $bin/client && -f $bin/.installed && $(cat "$bin/.installed") == "$stamp" ]]; then
    say "tests/interop/rust/bin is up to date"
    return
  fi
  # From ~/.cargo without the network when it holds every crate of Cargo.lock; else download
  # them (checked against the lock file's checksums).
  if ! cargo fetch --locked --offline >/dev/null 2>&1; then
    say "downloading the crates of tests/interop/rust/Cargo.lock"
    cargo fetch --locked
  fi
  local target="${RESONATE_INTEROP_CARGO_TARGET:-${XDG_CACHE_HOME:-$HOME/.cache}/resonate-cpp/cargo-target}"
  say "building tests/interop/rust into $target (about 2 minutes the first time)"
  CARGO_TARGET_DIR="$target" cargo build --release --locked --offline -j "$(nproc)" --bins
  rm -rf "$bin"
  mkdir -p "$bin"
  install -m 755 "$target/release/worker" "$target/release/client" "$bin/"
  echo "$stamp" >"$bin/.installed"
  say "built the programs of tests/interop/rust with $(sed -n '/^name = "resonate-sdk"$/{n;s/^version = "\(.*\)"$/resonate-sdk \1/p}' Cargo.lock)"
}

languages=("$@")
((${#languages[@]})) || languages=(node python rust)
for language in "${languages[@]}"; do
  case $language in
    node) (install_node) ;;
    python) (install_python) ;;
    rust) (install_rust) ;;
    *)
      say "unknown language '$language' (node, python, rust)" >&2
      exit 2
      ;;
  esac
done
