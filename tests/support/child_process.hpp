#pragma once
// A program started by a multi-process test, with its output captured line by line so the test
// can wait for the events it prints instead of sleeping.

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <sys/types.h>

namespace resonate::test_support {

// The absolute path of `program` found on PATH (or `program` itself when it names a path).
std::optional<std::filesystem::path> find_program(std::string_view program);

class ChildProcess {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts `arguments[0]` (resolved with find_program) in its own process group, in
  // `working_directory` when given, with stdin from /dev/null and stdout and stderr captured
  // together. The child is killed if this process dies, so a crashed test leaks no process.
  ChildProcess(std::string name, std::vector<std::string> arguments,
               std::filesystem::path working_directory = {});

  // Kills the whole process group if it is still running and reaps it.
  ~ChildProcess();

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The first captured line (searching from the first line ever printed) that satisfies
  // `matches`, waiting at most `timeout` for it; nullopt on timeout or when the output ended
  // without such a line.
  std::optional<std::string> wait_for_line(const std::function<bool(std::string_view)>& matches,
                                           std::chrono::milliseconds timeout);

  // Shorthand: the first line that begins with `prefix`.
  std::optional<std::string> wait_for_line_starting(std::string_view prefix, std::chrono::milliseconds timeout);

  // Whether any line captured so far satisfies `matches`.
  bool has_printed(const std::function<bool(std::string_view)>& matches) const;

  // Every line captured so far, in order.
  std::vector<std::string> lines() const;

  // How many lines captured so far satisfy `matches`.
  std::size_t count(const std::function<bool(std::string_view)>& matches) const;

  // Sends `signal` to the child's process group.
  void signal(int signal) const;

  // Waits for the child to exit; its exit code, 128 + signal number when killed by a signal,
  // or nullopt when it is still running after `timeout`.
  std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);

  // The last `count` captured lines, each prefixed with "[name] ", for failure messages.
  std::string transcript(std::size_t count = 80) const;

  const std::string& name() const { return name_; }
  pid_t pid() const { return pid_; }

 private:
  void capture_output(int descriptor);

  std::string name_;
  pid_t pid_ = -1;
  int output_ = -1;
  std::optional<int> exit_code_;

  mutable std::mutex mutex_;
  std::condition_variable output_changed_;
  std::vector<std::string> lines_;
  bool output_closed_ = false;
  std::thread reader_;
};

}  // namespace resonate::test_support
