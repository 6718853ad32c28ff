#include "fleet.hpp"

#include <csignal>
#include <stdexcept>
#include <utility>

#include "server_child.hpp"
#include "server_store.hpp"

namespace resonate::test_support {

std::string_view name_of(ServerKind kind) {
  switch (kind) {
    case ServerKind::resonate_server: return "resonate-server";
    case ServerKind::memory_server: return "memory-server";
  }
  return "unknown server";
}

ServerSpec resonate_server(std::string program, std::vector<std::string> options) {
  return {ServerKind::resonate_server, std::move(program), std::move(options)};
}

ServerSpec memory_server(std::string script) { return {ServerKind::memory_server, std::move(script), {}}; }

Fleet::Fleet(ServerSpec server, const std::string& prefix) : spec_(std::move(server)), directory_(prefix) {
  if (spec_.kind == ServerKind::resonate_server) store_ = fresh_server_store(directory_.path());
  start_server(0);
}

// The programs first, the server last: a worker killed after its server would log reconnects.
Fleet::~Fleet() {
  while (!processes_.empty()) processes_.pop_back();
}

ChildProcess& Fleet::start(std::string name, std::vector<std::string> arguments) {
  processes_.push_back(std::make_unique<ChildProcess>(std::move(name), std::move(arguments), directory_.path()));
  return *processes_.back();
}

void Fleet::restart_server() {
  server_->signal(SIGKILL);
  if (server_->wait_for_exit(std::chrono::seconds(10)) != 128 + SIGKILL) {
    throw std::runtime_error("the server did not die of SIGKILL\n" + transcript());
  }
  start_server(port_);
}

bool Fleet::await_poll_connected(const std::string& pid, std::chrono::milliseconds timeout) {
  return test_support::await_poll_connected(*server_, pid, timeout);
}

std::string Fleet::transcript(std::size_t lines_each) const {
  std::string text;
  for (const auto& process : processes_) text += process->transcript(lines_each);
  return text;
}

void Fleet::start_server(int port) {
  std::vector<std::string> command;
  if (spec_.kind == ServerKind::resonate_server) {
    std::vector<std::string> options{"--log-level", "debug"};
    options.insert(options.end(), spec_.options.begin(), spec_.options.end());
    command = serve_command(spec_.program, port, store_, options);
  } else {
    command = {"node", spec_.program, std::to_string(port)};
  }
  server_ = &start("server", std::move(command));
  // Both print resonate-server's `msg="listening" … port=<port>` line.
  port_ = await_listening(*server_);
  url_ = loopback_url(port_);
}

}  // namespace resonate::test_support
