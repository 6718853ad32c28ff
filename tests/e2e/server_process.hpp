// resonate-server (or any program) started by a multi-process test, with its output captured
// line by line, so the test waits for what it prints (`msg="listening" … port=N`) instead of
// sleeping.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <sys/types.h>

namespace resonate::testing {

class ServerProcess {
 public:
  // Starts `program` with `arguments`, stdout and stderr captured together. The child gets
  // SIGKILL if the test process dies, so a crashed test leaks no server.
  ServerProcess(const std::filesystem::path& program, const std::vector<std::string>& arguments);
  // Kills the child (SIGKILL) if it still runs, and reaps it.
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // The first line (from the start of the output) satisfying `matches`, waiting at most
  // `timeout`; nullopt on timeout or when the output ended without one.
  std::optional<std::string> wait_for_line(const std::function<bool(std::string_view)>& matches,
                                           std::chrono::milliseconds timeout);
  // The port of the `msg="listening"` line; throws when it does not come within `timeout`.
  std::uint16_t wait_until_listening(std::chrono::milliseconds timeout = std::chrono::seconds(15));

  void signal(int number) const;
  // The exit code (128 + signal when killed), or nullopt if still running after `timeout`.
  std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);

  std::string output() const;

 private:
  void read_output(int descriptor);

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
  bool output_closed_ = false;
  std::thread reader_;
};

}  // namespace resonate::testing
