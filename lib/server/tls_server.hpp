// The TLS of resonate-server with --tls-cert/--tls-key: HTTPS and SSE over TLS 1.2 or newer,
// with the certificate chain and private key of two PEM files (the chain: the server's
// certificate first, then any intermediate CAs).
#pragma once

#include <optional>

#include <boost/asio/ssl/context.hpp>

#include "server/config.hpp"

namespace resonate::server {

// nullopt when the configuration names no certificate (plain HTTP). Throws
// std::runtime_error naming the file when a file cannot be loaded or the key does not belong
// to the certificate.
std::optional<boost::asio::ssl::context> make_server_tls(const ServerConfig& config);

}  // namespace resonate::server
