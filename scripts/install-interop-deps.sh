#!/usr/bin/env bash
# Installs the official Resonate TypeScript SDK (exact version pinned in
# tests/interop/package-lock.json) for the interoperability tests. Idempotent: does nothing
# when node_modules already matches the lock file.
set -euo pipefail
cd "$(dirname "$0")/../tests/interop"

if ! command -v npm >/dev/null 2>&1; then
  echo "install-interop-deps: npm not found; install Node.js and npm (scripts/install-deps.sh)" >&2
  exit 1
fi

# The SDK (and its eventsource dependency) needs Node.js 20 or newer; Debian 12's own nodejs is 18.
node_major=$(node -p 'process.versions.node.split(".")[0]')
if ((node_major < 20)); then
  echo "install-interop-deps: Node.js $(node --version) is too old; @resonatehq/sdk 0.11.5 needs 20 or newer" >&2
  exit 1
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
  echo "install-interop-deps: tests/interop/node_modules is up to date"
  exit 0
fi

echo "install-interop-deps: npm ci in tests/interop"
npm ci --no-audit --no-fund --loglevel=error
