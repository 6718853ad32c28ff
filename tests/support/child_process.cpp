#include "child_process.hpp"

#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace resonate::test_support {

namespace {

std::system_error system_failure(const std::string& what) {
  return std::system_error(errno, std::generic_category(), what);
}

int decode_wait_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

std::optional<std::filesystem::path> find_program(std::string_view program) {
  if (program.find('/') != std::string_view::npos) return std::filesystem::path(program);
  const char* path = std::getenv("PATH");
  std::string_view directories = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!directories.empty()) {
    const auto separator = directories.find(':');
    const auto directory = directories.substr(0, separator);
    const auto candidate = std::filesystem::path(directory.empty() ? "." : directory) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (separator == std::string_view::npos) break;
    directories.remove_prefix(separator + 1);
  }
  return std::nullopt;
}

ChildProcess::ChildProcess(std::string name, std::vector<std::string> arguments,
                           std::filesystem::path working_directory)
    : name_(std::move(name)) {
  if (arguments.empty()) throw std::invalid_argument("ChildProcess needs a program");
  const auto executable = find_program(arguments.front());
  if (!executable) throw std::runtime_error(name_ + ": program not found on PATH: " + arguments.front());

  // Everything the child needs is prepared before fork: between fork and exec a
  // multi-threaded parent's child may only make async-signal-safe calls.
  const std::string executable_path = executable->string();
  std::vector<char*> argv;
  for (auto& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  const std::string directory = working_directory.string();

  int pipe_ends[2];
  // Close-on-exec on both ends: children started concurrently must not inherit each
  // other's pipes, or a pipe would stay open after its own child exits.
  if (::pipe2(pipe_ends, O_CLOEXEC) != 0) throw system_failure(name_ + ": pipe2");
  const int null_input = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_input < 0) {
    ::close(pipe_ends[0]);
    ::close(pipe_ends[1]);
    throw system_failure(name_ + ": open /dev/null");
  }
  const pid_t parent = ::getpid();

  pid_ = ::fork();
  if (pid_ < 0) {
    ::close(pipe_ends[0]);
    ::close(pipe_ends[1]);
    ::close(null_input);
    throw system_failure(name_ + ": fork");
  }
  if (pid_ == 0) {
    ::setpgid(0, 0);
    // Dies with the test process (even on SIGKILL), so a timed-out test leaks nothing.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(null_input, STDIN_FILENO);
    ::dup2(pipe_ends[1], STDOUT_FILENO);
    ::dup2(pipe_ends[1], STDERR_FILENO);
    if (!directory.empty() && ::chdir(directory.c_str()) != 0) {
      static constexpr char message[] = "child_process: chdir failed\n";
      [[maybe_unused]] auto ignored = ::write(STDERR_FILENO, message, sizeof message - 1);
      ::_exit(127);
    }
    ::execve(executable_path.c_str(), argv.data(), environ);
    static constexpr char message[] = "child_process: execve failed\n";
    [[maybe_unused]] auto ignored = ::write(STDERR_FILENO, message, sizeof message - 1);
    ::_exit(127);
  }

  // Also set in the parent, so that signal() reaches the group even if called before the
  // child ran its own setpgid.
  ::setpgid(pid_, pid_);
  ::close(pipe_ends[1]);
  ::close(null_input);
  output_ = pipe_ends[0];
  reader_ = std::thread([this] { capture_output(output_); });
}

ChildProcess::~ChildProcess() {
  if (!exit_code_) {
    signal(SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (reader_.joinable()) reader_.join();
  ::close(output_);
}

void ChildProcess::capture_output(int descriptor) {
  std::string pending;
  char buffer[4096];
  while (true) {
    const ssize_t count = ::read(descriptor, buffer, sizeof buffer);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) break;
    pending.append(buffer, static_cast<std::size_t>(count));
    std::vector<std::string> complete;
    std::size_t start = 0;
    for (auto end = pending.find('\n'); end != std::string::npos; end = pending.find('\n', start)) {
      complete.emplace_back(pending, start, end - start);
      start = end + 1;
    }
    pending.erase(0, start);
    if (!complete.empty()) {
      const std::lock_guard lock(mutex_);
      for (auto& line : complete) lines_.push_back(std::move(line));
      output_changed_.notify_all();
    }
  }
  const std::lock_guard lock(mutex_);
  if (!pending.empty()) lines_.push_back(std::move(pending));
  output_closed_ = true;
  output_changed_.notify_all();
}

std::optional<std::string> ChildProcess::wait_for_line(const std::function<bool(std::string_view)>& matches,
                                                       std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::unique_lock lock(mutex_);
  std::size_t examined = 0;
  while (true) {
    for (; examined < lines_.size(); ++examined) {
      if (matches(lines_[examined])) return lines_[examined];
    }
    if (output_closed_) return std::nullopt;
    if (output_changed_.wait_until(lock, deadline) == std::cv_status::timeout && examined == lines_.size()) {
      return std::nullopt;
    }
  }
}

std::optional<std::string> ChildProcess::wait_for_line_starting(std::string_view prefix,
                                                                std::chrono::milliseconds timeout) {
  return wait_for_line([prefix](std::string_view line) { return line.starts_with(prefix); }, timeout);
}

bool ChildProcess::has_printed(const std::function<bool(std::string_view)>& matches) const {
  const std::lock_guard lock(mutex_);
  for (const auto& line : lines_) {
    if (matches(line)) return true;
  }
  return false;
}

std::vector<std::string> ChildProcess::lines() const {
  const std::lock_guard lock(mutex_);
  return lines_;
}

std::size_t ChildProcess::count(const std::function<bool(std::string_view)>& matches) const {
  const std::lock_guard lock(mutex_);
  std::size_t found = 0;
  for (const auto& line : lines_) found += matches(line) ? 1 : 0;
  return found;
}

void ChildProcess::signal(int signal) const { ::kill(-pid_, signal); }

std::optional<int> ChildProcess::wait_for_exit(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  {
    // The pipe closes when the child exits (nothing else holds its write end), so the end
    // of output is the event to wait for; waitpid then returns at once.
    std::unique_lock lock(mutex_);
    if (!output_changed_.wait_for(lock, timeout, [this] { return output_closed_; })) return std::nullopt;
  }
  int status = 0;
  pid_t reaped = 0;
  while ((reaped = ::waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
  }
  if (reaped != pid_) return std::nullopt;
  exit_code_ = decode_wait_status(status);
  return exit_code_;
}

std::string ChildProcess::transcript(std::size_t count) const {
  const std::lock_guard lock(mutex_);
  std::string text;
  const std::size_t first = lines_.size() > count ? lines_.size() - count : 0;
  if (first > 0) text += "[" + name_ + "] … " + std::to_string(first) + " earlier lines\n";
  for (std::size_t index = first; index < lines_.size(); ++index) {
    text += "[" + name_ + "] " + lines_[index] + "\n";
  }
  if (lines_.empty()) text += "[" + name_ + "] (no output)\n";
  return text;
}

}  // namespace resonate::test_support
