// Parsing of http:// delivery addresses.
#include <doctest/doctest.h>

#include "server/http_push.hpp"

using resonate::server::parse_http_target;

TEST_CASE("http targets: host, port (default 80) and path (default /)") {
  const auto full = parse_http_target("http://127.0.0.1:9000/hooks/a?x=1");
  REQUIRE(full.has_value());
  CHECK(full->host == "127.0.0.1");
  CHECK(full->port == "9000");
  CHECK(full->path == "/hooks/a?x=1");

  const auto bare = parse_http_target("http://localhost");
  REQUIRE(bare.has_value());
  CHECK(bare->port == "80");
  CHECK(bare->path == "/");

  const auto v6 = parse_http_target("http://[::1]:81/p#frag");
  REQUIRE(v6.has_value());
  CHECK(v6->host == "::1");
  CHECK(v6->port == "81");
  CHECK(v6->path == "/p");
}

TEST_CASE("unsupported or malformed http targets") {
  CHECK_FALSE(parse_http_target("https://127.0.0.1/").has_value());
  CHECK_FALSE(parse_http_target("http://").has_value());
  CHECK_FALSE(parse_http_target("http://:80/").has_value());
  CHECK_FALSE(parse_http_target("http://user:pw@127.0.0.1/").has_value());
  CHECK_FALSE(parse_http_target("http://[::1/").has_value());
  CHECK_FALSE(parse_http_target("poll://any@g").has_value());
}
