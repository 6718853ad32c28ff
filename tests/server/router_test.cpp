// Request routing and percent-decoding of poll path segments; store descriptions in logs.
#include <doctest/doctest.h>

#include "server/router.hpp"
#include "server/store_spec.hpp"

using namespace resonate::server;
namespace http = boost::beast::http;

TEST_CASE("fixed paths") {
  CHECK(route(http::verb::post, "/").kind == Route::Kind::rpc);
  CHECK(route(http::verb::post, "/?x=1").kind == Route::Kind::rpc);
  CHECK(route(http::verb::get, "/health").kind == Route::Kind::health);
  CHECK(route(http::verb::get, "/ready").kind == Route::Kind::ready);
  CHECK(route(http::verb::get, "/metrics").kind == Route::Kind::metrics);
  const auto wrong = route(http::verb::get, "/");
  CHECK(wrong.kind == Route::Kind::method_not_allowed);
  CHECK(wrong.allow == "POST");
  CHECK(route(http::verb::get, "/unknown").kind == Route::Kind::not_found);
}

TEST_CASE("legacy REST collections, any method") {
  for (auto target : {"/promises", "/promises/a/b", "/schedules", "/schedules/s", "/tasks", "/tasks/x?y"}) {
    CAPTURE(target);
    CHECK(route(http::verb::get, target).kind == Route::Kind::legacy);
    CHECK(route(http::verb::delete_, target).kind == Route::Kind::legacy);
  }
  CHECK(route(http::verb::get, "/promisesx").kind == Route::Kind::not_found);
}

TEST_CASE("poll paths have two decoded segments") {
  const auto poll = route(http::verb::get, "/poll/my%20group/w%2F1?since=0");
  REQUIRE(poll.kind == Route::Kind::poll);
  CHECK(poll.group == "my group");
  CHECK(poll.id == "w/1");
  CHECK(route(http::verb::get, "/poll/g").kind == Route::Kind::not_found);
  CHECK(route(http::verb::get, "/poll/g/").kind == Route::Kind::not_found);
  CHECK(route(http::verb::get, "/poll//id").kind == Route::Kind::not_found);
  CHECK(route(http::verb::get, "/poll/g/id/extra").kind == Route::Kind::not_found);
  CHECK(route(http::verb::get, "/poll/g/bad%zz").kind == Route::Kind::not_found);
  CHECK(route(http::verb::post, "/poll/g/id").kind == Route::Kind::method_not_allowed);
}

TEST_CASE("percent_decode") {
  CHECK(percent_decode("a%41%62c") == "aAbc");
  CHECK_FALSE(percent_decode("%4").has_value());
  CHECK_FALSE(percent_decode("%").has_value());
  CHECK_FALSE(percent_decode("%00").has_value());
  CHECK(percent_decode("plain") == "plain");
}

TEST_CASE("store descriptions carry no credentials") {
  CHECK(describe_store("resonate.db") == "sqlite:resonate.db");
  CHECK(describe_store("memory") == "memory");
  CHECK(describe_store("postgres://user:secret@127.0.0.1:5432/resonate?sslmode=disable") ==
        "postgres:127.0.0.1:5432/resonate");
  CHECK(describe_store("host=/tmp/pg port=5432 user=postgres password=secret dbname=resonate_test") ==
        "postgres:host=/tmp/pg port=5432 dbname=resonate_test");
}
