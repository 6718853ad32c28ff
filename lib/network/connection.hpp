// One connection to a resonate-server: TCP, or TLS over TCP for an https:// URL. HttpNetwork's
// requests and its message stream use both the same way: `visit` hands the stream to Beast's
// generic algorithms (http::async_write, http::async_read ...), whose results have the same
// type for either, and the TCP stream underneath (`tcp()`) carries deadlines and cancellation.
#pragma once

#include <chrono>
#include <variant>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "network/awaitable_io.hpp"
#include "network/server_url.hpp"
#include "network/tls_client.hpp"

namespace resonate::network {

class Connection {
 public:
  using Tls = boost::beast::ssl_stream<Stream>;

  // Not connected yet. `tls` is needed (and kept alive by the caller) for an https:// URL.
  Connection(boost::asio::any_io_executor executor, const ServerUrl& url, const ClientTls* tls);

  // Resolves the host, connects and, for TLS, shakes hands: SNI with the host name, the
  // server's certificate verified against what `tls` trusts and checked against the host name
  // or IP address. Connect and handshake each get `timeout`. Throws PlatformError naming what
  // failed (an untrusted certificate says which check failed and what was trusted).
  boost::asio::awaitable<void> open(std::chrono::milliseconds timeout);

  // `operation(stream)` on the plain or the TLS stream; it must return the same type for both.
  template <class Operation>
  decltype(auto) visit(Operation& operation) {
    return std::visit(operation, stream_);
  }

  // The server this connection goes to.
  const ServerUrl& url() const { return *url_; }

  // The TCP stream underneath: deadlines (expires_after), cancel().
  Stream& tcp();

  // Closes the TCP connection at once. No TLS close_notify: every answer is framed by HTTP,
  // so a peer cannot mistake the closure for a complete answer.
  void close();

 private:
  const ServerUrl* url_;
  const ClientTls* tls_;
  std::variant<Stream, Tls> stream_;
};

}  // namespace resonate::network
