// The processes of one multi-process scenario: a protocol server of either implementation,
// started first, and the programs started against it, all in one scratch directory and all
// killed when the scenario ends.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "child_process.hpp"
#include "scratch_directory.hpp"

namespace resonate::test_support {

// The implementations of the Resonate protocol the tests run against.
enum class ServerKind {
  resonate_server,  // tools/resonate-server with a SQLite file in the scratch directory (server_store.hpp)
  memory_server,    // tests/interop/memory_server.mjs: @resonatehq/sdk's in-memory model, run by node
};

// "resonate-server" or "memory-server", for messages.
std::string_view name_of(ServerKind kind);

// Which server a fleet starts: the program (resonate-server's executable, or memory_server.mjs)
// and, for resonate-server, options appended to `serve`.
struct ServerSpec {
  ServerKind kind = ServerKind::resonate_server;
  std::string program;
  std::vector<std::string> options;
};

ServerSpec resonate_server(std::string program, std::vector<std::string> options = {});
ServerSpec memory_server(std::string script);

class Fleet {
 public:
  // Starts the server on 127.0.0.1 with a port of its choosing and returns once it listens.
  // resonate-server runs with --log-level debug: its `poll connected` lines are what
  // await_poll_connected reads (memory_server.mjs always prints them).
  explicit Fleet(ServerSpec server, const std::string& prefix = "resonate-fleet");
  ~Fleet();
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  // Any program, run in the fleet's directory.
  ChildProcess& start(std::string name, std::vector<std::string> arguments);

  // SIGKILLs the server and starts it again on the same port (and database: resonate-server
  // keeps its state, memory_server.mjs loses it).
  void restart_server();

  // Whether the current server reported, within `timeout`, a message stream of worker `pid`.
  bool await_poll_connected(const std::string& pid, std::chrono::milliseconds timeout = std::chrono::seconds(15));

  ServerKind kind() const { return spec_.kind; }
  ChildProcess& server() { return *server_; }
  int port() const { return port_; }
  const std::string& url() const { return url_; }
  const std::filesystem::path& directory() const { return directory_.path(); }

  // The last `lines_each` lines of every process, oldest process first.
  std::string transcript(std::size_t lines_each = 80) const;

 private:
  void start_server(int port);

  ServerSpec spec_;
  ScratchDirectory directory_;
  std::string store_;  // resonate-server's --store, kept across restarts (server_store.hpp)
  std::vector<std::unique_ptr<ChildProcess>> processes_;
  ChildProcess* server_ = nullptr;
  int port_ = 0;
  std::string url_;
};

}  // namespace resonate::test_support
