// What the interop tests share about the official Python SDK (resonate-sdk from PyPI, in the
// venv tests/interop/python/.venv that scripts/install-interop-deps.sh makes): whether it is
// installed (skip on a developer machine, fail in CI), and the commands of its load-balancing
// worker and client, which take the options and print the lines of examples/load_balancing's
// programs, so load_balancing::Calls drives them as it drives the C++ ones.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <optional>
#include <string>

#include "load_balancing_calls.hpp"
#include "typescript_sdk.hpp"

namespace interop {

inline const std::filesystem::path python_directory = directory / "python";

// The venv's interpreter.
inline std::filesystem::path python_interpreter() { return python_directory / ".venv" / "bin" / "python"; }

// The venv with resonate-sdk, complete (the install script writes .installed last).
inline bool python_sdk_available() {
  if (std::filesystem::exists(python_interpreter()) &&
      std::filesystem::exists(python_directory / ".venv" / ".installed")) {
    return toolchain_ready(std::nullopt);
  }
  return toolchain_ready(
      "resonate-sdk is not installed in tests/interop/python/.venv; run scripts/install-interop-deps.sh python "
      "(needs CPython 3.12: PYENV_VERSION=3.12.1 python3.12)");
}

// python worker.py / python client.py (tests/interop/python), unbuffered.
inline load_balancing::Programs python_programs() {
  const std::string python = python_interpreter().string();
  return load_balancing::Programs(std::vector<std::string>{python, "-u", (python_directory / "worker.py").string()},
                                  std::vector<std::string>{python, "-u", (python_directory / "client.py").string()});
}

}  // namespace interop
