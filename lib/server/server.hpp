// resonate-server: the Resonate protocol over HTTP/1.1 and SSE around the sans-IO core.
//
//   POST /                  one envelope → Core::apply → HTTP status = head.status
//   GET  /poll/{group}/{id} SSE stream of execute/unblock messages (sse_registry.hpp)
//   GET  /health /ready /metrics
//
// Construction binds the listening socket (so port() is known before run()); run() serves on
// the calling thread until stop() or, with ServerConfig::handle_signals, SIGINT/SIGTERM.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/store.hpp"
#include "server/config.hpp"

namespace resonate::server {

struct ServerState;

class Server {
 public:
  // Throws std::exception when the address cannot be bound. `store` must outlive the server.
  Server(ServerConfig config, core::Store& store);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port (the real one when the configuration asked for port 0).
  std::uint16_t port() const;
  // The URL put into execute messages' head.serverUrl.
  const std::string& external_url() const;

  // Serves until stopped, then returns after in-flight requests finished and streams closed.
  // Logs `msg="listening"` when it starts accepting.
  void run();
  // Graceful stop; callable from any thread, any number of times.
  void stop();

 private:
  std::unique_ptr<ServerState> state_;
};

}  // namespace resonate::server
