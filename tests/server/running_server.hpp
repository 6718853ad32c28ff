// An in-process resonate server on a free loopback port, served by its own thread, over the
// in-memory store. Stopped gracefully (and the thread joined) on destruction.
#pragma once

#include <memory>
#include <thread>

#include "server/server.hpp"
#include "store/factories.hpp"

namespace resonate::test_support {

inline server::ServerConfig test_config() {
  server::ServerConfig config;
  config.port = 0;
  config.store = "memory";
  config.log_level = server::LogLevel::error;
  return config;
}

class RunningServer {
 public:
  explicit RunningServer(server::ServerConfig config = test_config())
      : store_(store::make_memory_store()), server_(std::move(config), *store_), thread_([this] { server_.run(); }) {}
  ~RunningServer() {
    server_.stop();
    thread_.join();
  }
  RunningServer(const RunningServer&) = delete;
  RunningServer& operator=(const RunningServer&) = delete;

  std::uint16_t port() const { return server_.port(); }
  const std::string& url() const { return server_.external_url(); }
  void stop() { server_.stop(); }

 private:
  std::unique_ptr<core::Store> store_;
  server::Server server_;
  std::thread thread_;
};

}  // namespace resonate::test_support
