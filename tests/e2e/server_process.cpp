#include "server_process.hpp"

#include <csignal>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace resonate::testing {

ServerProcess::ServerProcess(const std::filesystem::path& program, const std::vector<std::string>& arguments) {
  int pipe_ends[2];
  if (::pipe2(pipe_ends, O_CLOEXEC) != 0) throw std::runtime_error("pipe: " + std::string(std::strerror(errno)));

  std::vector<std::string> argv_strings{program.string()};
  argv_strings.insert(argv_strings.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& argument : argv_strings) argv.push_back(argument.data());
  argv.push_back(nullptr);

  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
  if (pid_ == 0) {
    // Child: only async-signal-safe calls until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(pipe_ends[1], STDOUT_FILENO);
    ::dup2(pipe_ends[1], STDERR_FILENO);
    const int null_input = ::open("/dev/null", O_RDONLY);
    if (null_input >= 0) ::dup2(null_input, STDIN_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(pipe_ends[1]);
  reader_ = std::thread([this, descriptor = pipe_ends[0]] { read_output(descriptor); });
}

ServerProcess::~ServerProcess() {
  if (!exit_code_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  reader_.join();
}

void ServerProcess::read_output(int descriptor) {
  std::string partial;
  char chunk[4096];
  for (;;) {
    const auto got = ::read(descriptor, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    partial.append(chunk, static_cast<std::size_t>(got));
    std::lock_guard lock(mutex_);
    for (auto newline = partial.find('\n'); newline != std::string::npos; newline = partial.find('\n')) {
      lines_.push_back(partial.substr(0, newline));
      partial.erase(0, newline + 1);
    }
    changed_.notify_all();
  }
  ::close(descriptor);
  std::lock_guard lock(mutex_);
  if (!partial.empty()) lines_.push_back(partial);
  output_closed_ = true;
  changed_.notify_all();
}

std::optional<std::string> ServerProcess::wait_for_line(const std::function<bool(std::string_view)>& matches,
                                                         std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  std::size_t checked = 0;
  std::optional<std::string> found;
  changed_.wait_for(lock, timeout, [&] {
    for (; checked < lines_.size(); ++checked) {
      if (matches(lines_[checked])) {
        found = lines_[checked];
        return true;
      }
    }
    return output_closed_;
  });
  return found;
}

std::uint16_t ServerProcess::wait_until_listening(std::chrono::milliseconds timeout) {
  const auto line = wait_for_line([](std::string_view text) { return text.find("msg=\"listening\"") != std::string_view::npos; },
                                  timeout);
  if (!line) throw std::runtime_error("the server did not report listening; output:\n" + output());
  const auto at = line->find(" port=");
  if (at == std::string::npos) throw std::runtime_error("no port in: " + *line);
  return static_cast<std::uint16_t>(std::stoi(line->substr(at + 6)));
}

void ServerProcess::signal(int number) const { ::kill(pid_, number); }

std::optional<int> ServerProcess::wait_for_exit(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  {
    // The pipe closes when the process exits (the server starts no children).
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, timeout, [&] { return output_closed_; })) return std::nullopt;
  }
  int status = 0;
  if (::waitpid(pid_, &status, 0) != pid_) return std::nullopt;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return exit_code_;
}

std::string ServerProcess::output() const {
  std::lock_guard lock(mutex_);
  std::string text;
  for (const auto& line : lines_) text += "  | " + line + "\n";
  return text;
}

}  // namespace resonate::testing
