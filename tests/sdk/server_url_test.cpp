// The server URL of RemoteConfig::url: scheme, host, default and explicit ports, the base path
// every endpoint lives under, and clear errors for what cannot be honoured.
#include <doctest/doctest.h>

#include <string>

#include "network/server_url.hpp"
#include "resonate/errors.hpp"

using resonate::network::parse_server_url;

TEST_CASE("server URL: http and https with their default ports, and the Host header") {
  const auto plain = parse_server_url("http://127.0.0.1:8001");
  CHECK_FALSE(plain.tls);
  CHECK(plain.host == "127.0.0.1");
  CHECK(plain.port == "8001");
  CHECK(plain.base_path.empty());
  CHECK(plain.host_header == "127.0.0.1:8001");
  CHECK(plain.rpc_target() == "/");
  CHECK(plain.target("/poll/g/p") == "/poll/g/p");

  const auto secure = parse_server_url("HTTPS://resonate.example");
  CHECK(secure.tls);
  CHECK(secure.port == "443");
  CHECK(secure.host_header == "resonate.example");

  CHECK(parse_server_url("http://localhost").port == "80");
  CHECK(parse_server_url("https://localhost:443").host_header == "localhost");
  CHECK(parse_server_url("https://localhost:8443").host_header == "localhost:8443");
}

TEST_CASE("server URL: IPv6 addresses in brackets") {
  const auto url = parse_server_url("https://[::1]:8443/");
  CHECK(url.host == "::1");
  CHECK(url.port == "8443");
  CHECK(url.host_header == "[::1]:8443");
  CHECK(parse_server_url("http://[::1]").port == "80");
}

TEST_CASE("server URL: the path is kept, without trailing slashes") {
  const auto url = parse_server_url("https://gateway.example/teams/resonate/");
  CHECK(url.base_path == "/teams/resonate");
  CHECK(url.rpc_target() == "/teams/resonate/");
  CHECK(url.target("/poll/g/p") == "/teams/resonate/poll/g/p");
  CHECK(url.target("/groups/g") == "/teams/resonate/groups/g");
  CHECK(parse_server_url("http://h:1/").rpc_target() == "/");
  CHECK(parse_server_url("http://h:1///").base_path.empty());
}

TEST_CASE("server URL: what cannot be honoured is a resonate::Error naming the URL") {
  auto fails_with = [](const char* url, const char* reason) {
    CHECK_THROWS_WITH_AS(parse_server_url(url), doctest::Contains(reason), resonate::Error);
    CHECK_THROWS_WITH_AS(parse_server_url(url), doctest::Contains(("'" + std::string(url) + "'").c_str()), resonate::Error);
  };
  fails_with("ftp://h", "the scheme must be http:// or https://");
  fails_with("127.0.0.1:8001", "the scheme must be http:// or https://");
  fails_with("http://", "no host");
  fails_with("http://:8001", "no host");
  fails_with("http://h:", "an empty port");
  fails_with("http://h:0", "the port must be a number from 1 to 65535");
  fails_with("http://h:65536", "the port must be a number from 1 to 65535");
  fails_with("http://h:80x", "the port must be a number from 1 to 65535");
  fails_with("http://user:secret@h", "user info is not supported");
  fails_with("http://h/?q=1", "a query or fragment is not supported");
  fails_with("http://h/#top", "a query or fragment is not supported");
  fails_with("http://[::1", "closing ']'");
  fails_with("http://[::1]x", "unexpected characters after the IPv6 address");
  fails_with("http://ho st", "invalid characters in the host");
  fails_with("http://h/a b", "invalid characters in the path");
}
