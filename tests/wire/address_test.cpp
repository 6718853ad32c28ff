// Delivery addresses (docs/resonate-protocol.md §1.5).
#include "wire/address.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using resonate::wire::Address;
using resonate::wire::parse_address;
using resonate::wire::PollAddress;

TEST_CASE("anycast to a group") {
  const auto address = parse_address("poll://any@workers");
  REQUIRE(address);
  CHECK(address->kind == Address::Kind::poll);
  CHECK(address->poll.cast == PollAddress::Cast::any);
  CHECK(address->poll.group == "workers");
  CHECK(address->poll.id.empty());
  CHECK(address->url == "poll://any@workers");
}

TEST_CASE("anycast with a preferred worker") {
  const auto address = parse_address("poll://any@default/pid-1");
  REQUIRE(address);
  CHECK(address->poll.cast == PollAddress::Cast::any);
  CHECK(address->poll.group == "default");
  CHECK(address->poll.id == "pid-1");
}

TEST_CASE("unicast requires a worker id") {
  const auto address = parse_address("poll://uni@g/w");
  REQUIRE(address);
  CHECK(address->kind == Address::Kind::poll);
  CHECK(address->poll.cast == PollAddress::Cast::uni);
  CHECK(address->poll.group == "g");
  CHECK(address->poll.id == "w");
  CHECK_FALSE(parse_address("poll://uni@g"));
  CHECK_FALSE(parse_address("poll://uni@g/"));
}

TEST_CASE("group and id are taken as written") {
  const auto address = parse_address("poll://any@my%20group:1/w%2F1.é");
  REQUIRE(address);
  CHECK(address->poll.group == "my%20group:1");
  CHECK(address->poll.id == "w%2F1.é");
}

TEST_CASE("http and https push addresses keep the whole url") {
  for (const std::string url : {"http://127.0.0.1:8080/hook", "https://example.test", "http://user:pw@[::1]:9/x?y#z",
                                "http://h?q"}) {
    CAPTURE(url);
    const auto address = parse_address(url);
    REQUIRE(address);
    CHECK(address->kind == Address::Kind::http);
    CHECK(address->url == url);
  }
}

TEST_CASE("invalid addresses") {
  const std::vector<std::string> invalid = {
      "",
      "nope",
      "poll://default",
      "poll://foo@g",
      "poll://ANY@g",
      "poll://@g",
      "poll://any@",
      "poll://any@/w",
      "poll://any@g/",
      "poll://any@g/a/b",
      "poll://any@g@h",
      "poll://any@g/w@x",
      "poll://any@g?x",
      "poll://any@g/w#x",
      "poll://any@ g",
      "poll://any@g /w",
      "poll://any@g\t",
      std::string("poll://any@g\0h", 14),
      "poll://any@g\x7f",
      " poll://any@g",
      "poll:/any@g",
      "local://any@g",
      "gcps://project/topic",
      "http://",
      "https://",
      "http:///path",
      "http://user@/x",
      "http://:8080/x",
      "http://[]/x",
      "http://h/with space",
      "ftp://h",
      "httpx://h",
  };
  for (const auto& text : invalid) {
    CAPTURE(text);
    CHECK_FALSE(parse_address(text));
  }
}
