#include "network/connection.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/stream_traits.hpp>

#include "resonate/errors.hpp"

namespace resonate::network {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

std::variant<Stream, Connection::Tls> make_stream(asio::any_io_executor executor, const ServerUrl& url,
                                                  const ClientTls* tls) {
  if (!url.tls) return Stream(std::move(executor));
  if (!tls || !tls->context) throw Error("an https:// URL needs a TLS context: " + url.text);
  return std::variant<Stream, Connection::Tls>(std::in_place_type<Connection::Tls>, Stream(std::move(executor)),
                                               *tls->context);
}

// Which name the certificate must carry, and SNI. OpenSSL's own checks (rather than a verify
// callback) so that a mismatch is reported as such ("hostname mismatch") by the verify result.
void expect_server_name(Connection::Tls& stream, const ServerUrl& url) {
  SSL* native = stream.native_handle();
  boost::system::error_code not_an_address;
  asio::ip::make_address(url.host, not_an_address);
  int configured = 0;
  if (not_an_address) {
    // SNI lets a server or proxy with several names present the right certificate; RFC 6066
    // allows it for host names only, never for IP literals.
    configured = SSL_set_tlsext_host_name(native, url.host.c_str()) == 1 && SSL_set1_host(native, url.host.c_str()) == 1;
  } else {
    configured = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(native), url.host.c_str());
  }
  if (!configured) throw PlatformError("cannot set up the TLS name check for " + url.text);
}

}  // namespace

Connection::Connection(asio::any_io_executor executor, const ServerUrl& url, const ClientTls* tls)
    : url_(&url), tls_(tls), stream_(make_stream(std::move(executor), url, tls)) {}

Stream& Connection::tcp() {
  auto lowest = [](auto& stream) -> Stream& { return beast::get_lowest_layer(stream); };
  return std::visit(lowest, stream_);
}

void Connection::close() {
  boost::system::error_code ignored;
  tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
  tcp().close();
}

asio::awaitable<void> Connection::open(std::chrono::milliseconds timeout) {
  const auto& url = *url_;
  Resolver resolver(tcp().get_executor());
  auto [resolve_error, endpoints] = co_await resolver.async_resolve(url.host, url.port);
  if (resolve_error) throw PlatformError("cannot resolve " + url.host + " (" + url.text + "): " + resolve_error.message());
  tcp().expires_after(timeout);
  auto [connect_error, endpoint] = co_await tcp().async_connect(endpoints);
  if (connect_error) throw PlatformError("cannot connect to " + url.text + ": " + connect_error.message());
  auto* secure = std::get_if<Tls>(&stream_);
  if (!secure) co_return;

  expect_server_name(*secure, url);
  tcp().expires_after(timeout);
  auto [handshake_error] = co_await secure->async_handshake(ssl::stream_base::client);
  if (!handshake_error) co_return;
  const long verified = SSL_get_verify_result(secure->native_handle());
  if (verified != X509_V_OK) {
    throw PlatformError("the TLS certificate of " + url.text + " is not trusted: " +
                        X509_verify_cert_error_string(verified) + " (trusting " + tls_->trusted +
                        "; RemoteConfig::ca_file names the CA to trust for a private or self-signed certificate)");
  }
  throw PlatformError("TLS handshake with " + url.text + " failed: " + handshake_error.message() +
                      (handshake_error == beast::error::timeout ? std::string() : " (does it serve https?)"));
}

}  // namespace resonate::network
