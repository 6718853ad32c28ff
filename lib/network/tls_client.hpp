// The TLS settings of the SDK's https:// connections: TLS 1.2 or newer, and the server's
// certificate verified, either against the system's CA store (Debian: /etc/ssl/certs, package
// ca-certificates) or, when a CA file is given (RemoteConfig::ca_file), against the
// certificates of that PEM file only, as `curl --cacert` does: a private CA, or the
// certificate of a self-signed server. The name check of each connection (the URL's host
// against the certificate) is set per connection, in connection.cpp.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

namespace resonate::network {

struct ClientTls {
  std::shared_ptr<boost::asio::ssl::context> context;
  // What the context trusts, for error messages: "the system CA store" or "the CA file <path>".
  std::string trusted;
};

// Throws resonate::Error when the CA file (or the system store) cannot be loaded.
ClientTls make_client_tls(const std::string& ca_file);

}  // namespace resonate::network
