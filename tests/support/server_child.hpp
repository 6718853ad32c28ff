// resonate-server as a child process of a test: started on 127.0.0.1 with `--port 0` (or a
// given port, to restart on the same one) and a SQLite file (or a PostgreSQL database:
// server_store.hpp), and followed until it listens.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "scratch_directory.hpp"

namespace resonate::test_support {

// `program serve --host 127.0.0.1 --port <port> --store <store>` followed by `options`.
std::vector<std::string> serve_command(const std::string& program, int port, const std::string& store,
                                       const std::vector<std::string>& options = {});

// The port of the `msg="listening"` line `server` prints, waiting at most `timeout`; throws
// std::runtime_error with the server's output when it does not come.
int await_listening(ChildProcess& server, std::chrono::milliseconds timeout = std::chrono::seconds(15));

// Whether `server` (run with --log-level debug) printed, within `timeout`, its `poll connected`
// line for worker process `pid`: from then on the worker receives the work of its group.
bool await_poll_connected(ChildProcess& server, const std::string& pid,
                          std::chrono::milliseconds timeout = std::chrono::seconds(15));

// "http://127.0.0.1:<port>".
std::string loopback_url(int port);

// A server with its own scratch directory and database, listening when the constructor returns.
class ServerChild {
 public:
  explicit ServerChild(const std::string& program, const std::vector<std::string>& options = {});

  int port() const { return port_; }
  const std::string& url() const { return url_; }
  const std::filesystem::path& directory() const { return directory_.path(); }
  ChildProcess& process() { return *process_; }
  std::string transcript() const { return process_->transcript(); }

 private:
  ScratchDirectory directory_{"resonate-server"};
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
  std::string url_;
};

}  // namespace resonate::test_support
