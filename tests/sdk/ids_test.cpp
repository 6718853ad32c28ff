// Ids and payloads must match the TypeScript SDK 0.11.5 byte for byte (interop).
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "sdk/base64.hpp"
#include "sdk/ids.hpp"
#include "sdk/wire.hpp"

using namespace resonate::sdk;

TEST_CASE("child ids join the root with ':' and deeper levels with '.'") {
  CHECK(child_id("root", 0) == "root:0");
  CHECK(child_id("root", 12) == "root:12");
  CHECK(child_id("root:0", 1) == "root:0.1");
  CHECK(child_id("root:0.1", 0) == "root:0.1.0");
  CHECK(child_id("my.app", 3) == "my.app:3");
}

TEST_CASE("the Rust SDK's grammar joins every level with '.', and records show which grammar an execution has") {
  CHECK(child_id("root", 0, IdGrammar::dots) == "root.0");
  CHECK(child_id("root.0", 1, IdGrammar::dots) == "root.0.1");
  CHECK(child_position("root", "root.4", IdGrammar::dots) == 4u);
  CHECK_FALSE(child_position("root", "root:4", IdGrammar::dots).has_value());
  CHECK(grammar_shown("root", "root:0") == IdGrammar::colon_first);
  CHECK(grammar_shown("root", "root.0") == IdGrammar::dots);
  CHECK_FALSE(grammar_shown("root", "root.0.1").has_value());  // a grandchild says nothing
  CHECK_FALSE(grammar_shown("root", "other.0").has_value());
  CHECK_FALSE(grammar_shown("root:1", "root:1.0").has_value());  // both grammars agree below ':'
}

TEST_CASE("detached ids use cyrb53 like the TS SDK") {
  CHECK(detached_id("root", "root:0") == "root:d1aad1e2508adf9");
  CHECK(detached_id("root", "root:1.2") == "root:d14ee6b893891a7");
  CHECK(detached_id("wf", "wf:3") == "wf:d1168d0b86af7f6");
}

TEST_CASE("root ids follow the TS SDK's rules") {
  CHECK(valid_root_id("wf.1"));
  CHECK_FALSE(valid_root_id(""));
  CHECK_FALSE(valid_root_id("wf:1"));
}

TEST_CASE("base64 round-trips and rejects garbage") {
  CHECK(base64_encode("\"\"") == "IiI=");
  CHECK(base64_encode("2") == "Mg==");
  CHECK(base64_encode("15") == "MTU=");
  CHECK(base64_encode("abc") == "YWJj");
  CHECK(base64_decode("IiI=").value() == "\"\"");
  CHECK(base64_decode("YWJj").value() == "abc");
  CHECK(base64_decode("").value().empty());
  CHECK_FALSE(base64_decode("abc").has_value());
  CHECK_FALSE(base64_decode("a=bc").has_value());
  CHECK_FALSE(base64_decode("ab!c").has_value());
}

TEST_CASE("invocation params are {func, args, version} in that order") {
  boost::json::array args{1, "x"};
  auto param = invocation_param("greet", args, 1);
  auto text = base64_decode(*param.data).value();
  CHECK(text == R"({"func":"greet","args":[1,"x"],"version":1})");
  REQUIRE(param.headers.has_value());
  CHECK(param.headers->empty());

  auto back = read_invocation(param);
  CHECK(back.func == "greet");
  CHECK(back.args == args);
  CHECK(back.version == 1);
}

TEST_CASE("invocations from other SDKs: scalar and null args are accepted") {
  auto scalar = read_invocation(encode_value(boost::json::parse(R"({"func":"f","args":5})")));
  CHECK(scalar.args == boost::json::array{5});
  auto none = read_invocation(encode_value(boost::json::parse(R"({"func":"f","args":null})")));
  CHECK(none.args.empty());
  CHECK_THROWS_AS(read_invocation(encode_value(boost::json::parse(R"({"args":[]})"))), resonate::DecodeError);
  CHECK_THROWS_AS(read_invocation(resonate::wire::Value{{}, std::string("%%%")}), resonate::DecodeError);
}

TEST_CASE("errors are encoded like the TS SDK and rethrown typed") {
  auto outcome = error_outcome("TypeError", "bad input");
  CHECK(boost::json::serialize(outcome.value) ==
        R"({"__type":"error","name":"TypeError","message":"bad input","stack":""})");
  try {
    resonate::detail::throw_rejection(outcome);
    FAIL("expected an exception");
  } catch (const resonate::ExecutionError& e) {
    CHECK(std::string(e.what()) == "bad input");
    CHECK(e.name() == "TypeError");
  }
  // A JavaScript `throw 42` is stored as plain JSON.
  resonate::detail::Outcome thrown{resonate::detail::Outcome::State::rejected, 42};
  CHECK_THROWS_WITH_AS(resonate::detail::throw_rejection(thrown), "42", resonate::ExecutionError);
  resonate::detail::Outcome canceled{resonate::detail::Outcome::State::canceled, nullptr};
  CHECK_THROWS_AS(resonate::detail::throw_rejection(canceled), resonate::CanceledError);
  resonate::detail::Outcome timed_out{resonate::detail::Outcome::State::timed_out, nullptr};
  CHECK_THROWS_AS(resonate::detail::throw_rejection(timed_out), resonate::TimedOutError);
}

TEST_CASE("child_position reads back the position of a child id, and nothing else") {
  using resonate::sdk::child_id;
  using resonate::sdk::child_position;
  CHECK(child_position("wf", child_id("wf", 0)) == 0u);
  CHECK(child_position("wf", child_id("wf", 17)) == 17u);
  CHECK(child_position("wf:1", child_id("wf:1", 3)) == 3u);
  CHECK_FALSE(child_position("wf", "wf:1.2").has_value());   // a grandchild
  CHECK_FALSE(child_position("wf", "wf.1").has_value());     // wrong separator for a root
  CHECK_FALSE(child_position("wf", "wf:d1aad1e2508adf9").has_value());  // detached
  CHECK_FALSE(child_position("wf", "wf:").has_value());
  CHECK_FALSE(child_position("wf", "other:1").has_value());
  CHECK_FALSE(child_position("wf", "approval-7").has_value());  // a named promise
}

TEST_CASE("child_spelling reads any child id back as its prefix and position, exactly as child_id spells it") {
  for (const auto grammar : {IdGrammar::colon_first, IdGrammar::dots}) {
    for (const std::string parent : {"wf", "wf:1", "wf.1.2", "my.app"}) {
      for (const std::uint64_t seq : {0ULL, 7ULL, 10ULL, 1234567ULL}) {
        const auto id = child_id(parent, seq, grammar);
        const auto spelling = child_spelling(id);
        REQUIRE(spelling.has_value());
        CHECK(spelling->prefix == child_prefix(parent, grammar));
        CHECK(spelling->position == seq);
      }
    }
  }
  // Anything child_id never writes is not a child id: leading zeros, no digits, no parent,
  // other separators, more digits than a position has.
  for (const std::string_view id : {"wf:01", "wf:00", "wf:", "wf", ":1", "wf-1", "wf:1a", "wf:d1aad1e2508adf9",
                                    "wf:12345678901234567890", "approval-7"}) {
    CHECK_MESSAGE(!child_spelling(id).has_value(), id);
  }
  CHECK(child_spelling("wf:0")->position == 0u);
  CHECK(child_spelling("wf:9999999999999999999")->position == 9999999999999999999ULL);
}
