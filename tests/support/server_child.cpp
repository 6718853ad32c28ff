#include "server_child.hpp"

#include <stdexcept>

#include "output_lines.hpp"
#include "server_store.hpp"

namespace resonate::test_support {

std::vector<std::string> serve_command(const std::string& program, int port, const std::string& store,
                                       const std::vector<std::string>& options) {
  std::vector<std::string> command{program, "serve", "--host", "127.0.0.1", "--port", std::to_string(port),
                                   "--store", store};
  command.insert(command.end(), options.begin(), options.end());
  return command;
}

int await_listening(ChildProcess& server, std::chrono::milliseconds timeout) {
  const auto line = server.wait_for_line(
      [](std::string_view text) { return text.find("msg=\"listening\"") != std::string_view::npos; }, timeout);
  if (!line) throw std::runtime_error("the server did not report listening\n" + server.transcript());
  const auto port = listening_port(*line);
  if (!port) throw std::runtime_error("no port in: " + *line);
  return *port;
}

bool await_poll_connected(ChildProcess& server, const std::string& pid, std::chrono::milliseconds timeout) {
  return server
      .wait_for_line(
          [&pid](std::string_view line) {
            return line.find("poll connected") != std::string_view::npos && field(line, "id") == pid;
          },
          timeout)
      .has_value();
}

std::string loopback_url(int port) { return "http://127.0.0.1:" + std::to_string(port); }

ServerChild::ServerChild(const std::string& program, const std::vector<std::string>& options)
    : process_(std::make_unique<ChildProcess>(
          "server", serve_command(program, 0, fresh_server_store(directory_.path()), options),
          directory_.path())),
      port_(await_listening(*process_)),
      url_(loopback_url(port_)) {}

}  // namespace resonate::test_support
