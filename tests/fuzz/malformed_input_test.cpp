// Malformed request bodies (docs/resonate-protocol.md §1.2): random bytes, random JSON values,
// truncated and mutated valid envelopes. The core must never crash or answer 500: invalid
// input is a 400 envelope whose data is a string, an oversized body a 413.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <doctest/doctest.h>

#include "choices.hpp"
#include "core/core.hpp"
#include "invariants.hpp"
#include "request_generator.hpp"
#include "store/factories.hpp"

namespace resonate::fuzz {
namespace {

constexpr std::size_t max_body = 4096;
constexpr std::uint64_t seed = 7;

// The parsed response envelope of a reply, or null when the body is not a JSON object.
json::value envelope_of(const core::Reply& reply) {
  boost::system::error_code error;
  auto parsed = json::parse(reply.body, error);
  return error || !parsed.is_object() ? json::value() : parsed;
}

class Target {
 public:
  Target() : store_(store::make_memory_store()), core_(*store_, {.debug = true, .max_request_bytes = max_body}) {}
  core::Reply send(const std::string& body) { return core_.apply(start_time, body); }

 private:
  std::unique_ptr<core::Store> store_;
  core::Core core_;
};

// A random JSON value that is not a valid request: a non-object, or an object whose kind is
// missing, not a string, or no operation name.
json::value random_json(Choices& choices, int depth) {
  switch (choices.below(depth > 2 ? 5 : 8)) {
    case 0: return nullptr;
    case 1: return choices.chance(50);
    case 2: return static_cast<std::int64_t>(choices.below(1u << 20)) - (1 << 19);
    case 3: return static_cast<double>(choices.below(1000)) / 7.0;
    case 4: return json::string(std::string(choices.below(12), static_cast<char>('a' + choices.below(26))));
    case 5: {
      json::array array;
      for (auto n = choices.below(4); n > 0; --n) array.push_back(random_json(choices, depth + 1));
      return array;
    }
    default: {
      constexpr const char* keys[] = {"kind", "head", "data", "corrId", "version", "id"};
      json::object object;
      for (auto n = choices.below(5); n > 0; --n) object[keys[choices.below(6)]] = random_json(choices, depth + 1);
      if (auto* kind = object.if_contains("kind"); kind && kind->is_string()) *kind = "no." + std::string(kind->get_string());
      return object;
    }
  }
}

void require_error(const core::Reply& reply, int status, const std::string& body) {
  INFO("request body: " << body);
  INFO("reply: " << reply.status << " " << reply.body);
  REQUIRE(reply.status == status);
  const auto envelope = envelope_of(reply);
  REQUIRE(envelope.is_object());
  boost::system::error_code error;  // the request need not parse: the echo checks then skip
  REQUIRE(envelope_violation(json::parse(body, error), envelope.get_object()) == "");
  REQUIRE(envelope.at("head").at("status") == json::value(status));
  REQUIRE(envelope.at("data").is_string());
}

TEST_CASE("random bytes are answered 400 with a message") {
  RandomChoices choices(seed);
  Target target;
  for (int i = 0; i < 2000; ++i) {
    std::string body(choices.below(64), '\0');
    for (auto& byte : body) byte = static_cast<char>(choices.below(256));
    if (choices.chance(30)) body = "{" + body;  // reach deeper into the JSON parser
    require_error(target.send(body), 400, body);
  }
}

TEST_CASE("random JSON values that are not requests are answered 400 with a message") {
  RandomChoices choices(seed);
  Target target;
  for (int i = 0; i < 2000; ++i) {
    const auto body = json::serialize(random_json(choices, 0));
    require_error(target.send(body), 400, body);
  }
}

TEST_CASE("truncated and mutated valid envelopes never crash nor answer outside the protocol") {
  RandomChoices choices(seed);
  RequestGenerator generator(choices);
  Target target;
  json::object snapshot{{"promises", json::array{}}, {"tasks", json::array{}}};
  for (int i = 0; i < 1000; ++i) {
    for (const auto& request : generator.next(snapshot).requests) {
      const auto valid = json::serialize(request);
      // A proper prefix of a compact JSON object is never valid JSON.
      const auto truncated = valid.substr(0, choices.below(valid.size()));
      require_error(target.send(truncated), 400, truncated);

      auto mutated = valid;
      for (auto n = 1 + choices.below(3); n > 0; --n) {
        const auto position = choices.below(mutated.size());
        switch (choices.below(3)) {
          case 0: mutated[position] = static_cast<char>(choices.below(256)); break;
          case 1: mutated.erase(position, 1); break;
          default: mutated.insert(position, 1, "{}[]\",:0a\\"[choices.below(10)]); break;
        }
      }
      const auto reply = target.send(mutated);
      INFO("request body: " << mutated);
      INFO("reply: " << reply.status << " " << reply.body);
      const auto envelope = envelope_of(reply);
      REQUIRE(envelope.is_object());
      CHECK(reply.status == envelope.at("head").at("status").as_int64());
      boost::system::error_code error;
      CHECK(envelope_violation(json::parse(mutated, error), envelope.get_object()) == "");
    }
  }
}

TEST_CASE("an oversized body is answered 413 without being parsed") {
  Target target;
  const std::string body = "{\"kind\":\"promise.get\",\"data\":{\"id\":\"" + std::string(max_body, 'x') + "\"}}";
  const auto reply = target.send(body);
  CHECK(reply.status == 413);
  CHECK(!reply.body.empty());
  const std::string at_limit(max_body, ' ');
  CHECK(target.send(at_limit).status == 400);
}

}  // namespace
}  // namespace resonate::fuzz
