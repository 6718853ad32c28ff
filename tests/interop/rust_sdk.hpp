// What the interop tests share about the official Rust SDK (crate resonate-sdk from the crates registry,
// pinned in tests/interop/rust/Cargo.lock): whether its load-balancing worker and client are
// built (scripts/install-interop-deps.sh rust puts them in tests/interop/rust/bin; skip on a
// developer machine without cargo, fail in CI), and their commands, which take the options and
// print the lines of examples/load_balancing's programs.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "load_balancing_calls.hpp"
#include "typescript_sdk.hpp"

namespace interop {

inline const std::filesystem::path rust_binaries = directory / "rust" / "bin";

// Both programs, complete (the install script writes .installed last).
inline bool rust_sdk_available() {
  if (std::filesystem::exists(rust_binaries / ".installed")) return toolchain_ready(std::nullopt);
  return toolchain_ready(
      "the Rust programs are not built in tests/interop/rust/bin; run scripts/install-interop-deps.sh rust "
      "(needs cargo, Rust 1.88 or newer)");
}

inline load_balancing::Programs rust_programs() {
  return load_balancing::Programs(std::vector<std::string>{(rust_binaries / "worker").string()},
                                  std::vector<std::string>{(rust_binaries / "client").string()});
}

}  // namespace interop
