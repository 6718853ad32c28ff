// How the SDK reaches the protocol: one request/response call plus a stream of messages.
// LocalNetwork drives an embedded protocol core; HttpNetwork talks to a resonate-server.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "wire/requests.hpp"
#include "wire/responses.hpp"

namespace resonate::network {

class Network {
 public:
  // Receives `execute` and `unblock` messages addressed to this process.
  using MessageHandler = std::function<void(boost::json::object message)>;

  virtual ~Network() = default;

  // Sends one request envelope and returns the response envelope, whatever its status.
  // Throws resonate::PlatformError when no response could be obtained.
  virtual boost::asio::awaitable<boost::json::object> send(boost::json::object request) = 0;

  // A task.fence answered at once, typed, by a core in this process (LocalNetwork: every
  // first-pass step takes this path); nullopt when the request must go through send() as
  // JSON (a remote server, or a network that observes the requests).
  virtual std::optional<wire::FencedPromise> fence_here(const wire::TaskFence& request) {
    (void)request;
    return std::nullopt;
  }

  // How many workers of `group` are connected to the server, when the server says (a
  // resonate-server answers GET /groups/{group}); nullopt when it cannot tell. Never throws.
  virtual boost::asio::awaitable<std::optional<std::size_t>> connected_workers(std::string group) {
    (void)group;
    co_return std::nullopt;
  }

  // Completes once the message stream is open; at once for a transport that has none to open
  // (LocalNetwork). Throws PlatformError when `timeout` passes first, AuthError when the
  // server refuses the stream's token meanwhile, Error once stopped.
  virtual boost::asio::awaitable<void> wait_connected(std::optional<std::chrono::milliseconds> timeout) {
    (void)timeout;
    co_return;
  }

  // Starts the message stream (and any background work); `handler` may be called on any
  // thread of the executor.
  virtual void start(MessageHandler handler) = 0;
  virtual void stop() = 0;
};

}  // namespace resonate::network
