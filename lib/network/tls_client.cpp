#include "network/tls_client.hpp"

#include <filesystem>

#include "resonate/errors.hpp"

namespace resonate::network {

namespace ssl = boost::asio::ssl;

ClientTls make_client_tls(const std::string& ca_file) {
  ClientTls tls;
  tls.context = std::make_shared<ssl::context>(ssl::context::tls_client);
  auto& context = *tls.context;
  // SSL 2/3, TLS 1.0 and 1.1 are broken or deprecated (RFC 8996).
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  context.set_verify_mode(ssl::verify_peer);
  boost::system::error_code error;
  if (ca_file.empty()) {
    tls.trusted = "the system CA store";
    context.set_default_verify_paths(error);
    if (error) throw Error("cannot load the system CA store for https:// URLs: " + error.message());
  } else {
    tls.trusted = "the CA file '" + ca_file + "'";
    std::error_code status_error;
    if (!std::filesystem::is_regular_file(ca_file, status_error)) {
      throw Error("RemoteConfig::ca_file: '" + ca_file + "' is not a readable file");
    }
    context.load_verify_file(ca_file, error);
    if (error) {
      throw Error("RemoteConfig::ca_file: cannot load CA certificates (PEM) from '" + ca_file + "': " + error.message());
    }
  }
  return tls;
}

}  // namespace resonate::network
