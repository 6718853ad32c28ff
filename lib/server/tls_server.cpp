#include "server/tls_server.hpp"

#include <filesystem>
#include <stdexcept>
#include <string>

#include <openssl/ssl.h>

namespace resonate::server {

namespace ssl = boost::asio::ssl;

std::optional<ssl::context> make_server_tls(const ServerConfig& config) {
  if (config.tls_cert.empty()) return std::nullopt;
  for (const auto* path : {&config.tls_cert, &config.tls_key}) {
    std::error_code status_error;
    if (!std::filesystem::is_regular_file(*path, status_error)) {
      throw std::runtime_error("TLS: '" + *path + "' is not a readable file");
    }
  }
  ssl::context context(ssl::context::tls_server);
  // SSL 2/3, TLS 1.0 and 1.1 are broken or deprecated (RFC 8996).
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  boost::system::error_code error;
  context.use_certificate_chain_file(config.tls_cert, error);
  if (error) {
    throw std::runtime_error("TLS: cannot load the certificate chain (PEM) of --tls-cert '" + config.tls_cert +
                             "': " + error.message());
  }
  context.use_private_key_file(config.tls_key, ssl::context::pem, error);
  if (error) {
    throw std::runtime_error("TLS: cannot load the private key (PEM) of --tls-key '" + config.tls_key +
                             "': " + error.message());
  }
  if (SSL_CTX_check_private_key(context.native_handle()) != 1) {
    throw std::runtime_error("TLS: the private key '" + config.tls_key + "' does not belong to the certificate '" +
                             config.tls_cert + "'");
  }
  return context;
}

}  // namespace resonate::server
