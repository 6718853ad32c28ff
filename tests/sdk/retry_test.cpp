// Retry policies travel in the TypeScript SDK's shape, and a worker of either SDK retries a
// function on the same schedule.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "resonate/errors.hpp"
#include "sdk/retry.hpp"
#include "sdk/wire.hpp"

using namespace std::chrono_literals;
using resonate::RetryPolicy;
using resonate::sdk::decode_retry;
using resonate::sdk::encode_retry;
using resonate::sdk::retry_delay;
namespace json = boost::json;

namespace {

const auto failure = std::make_exception_ptr(std::runtime_error("flaky"));
const std::int64_t far_away = std::numeric_limits<std::int64_t>::max();

// What the TS SDK's Exponential.next(n) computes for retry n (1-based).
double ts_exponential_delay(const json::value& encoded, int retry) {
  const auto& data = encoded.at("data").as_object();
  return std::min(data.at("delay").to_number<double>() * std::pow(data.at("factor").to_number<double>(), retry),
                  data.at("maxDelay").to_number<double>());
}

}  // namespace

TEST_CASE("each policy is encoded as the TS SDK encodes its own") {
  CHECK(json::serialize(encode_retry(RetryPolicy::never())) == R"({"type":"never","data":{}})");
  CHECK(json::serialize(encode_retry(RetryPolicy::constant(250ms, 4))) ==
        R"({"type":"constant","data":{"delay":250,"maxRetries":4}})");
  CHECK(json::serialize(encode_retry(RetryPolicy::linear(100ms, 3))) ==
        R"({"type":"linear","data":{"delay":100,"maxRetries":3}})");
  CHECK(json::serialize(encode_retry(RetryPolicy::exponential())) ==
        R"({"type":"exponential","data":{"delay":5E2,"factor":2E0,"maxRetries":10,"maxDelay":30000}})");
}

TEST_CASE("an exponential policy waits the same before each retry on a TS worker and on ours") {
  RetryPolicy policy{300ms, 3.0, 20000ms, 6};
  const auto encoded = encode_retry(policy);
  for (int retry = 0; retry < 6; ++retry) {
    const auto ours = retry_delay(policy, failure, retry, 0, far_away);
    REQUIRE(ours.has_value());
    CHECK(static_cast<double>(ours->count()) == doctest::Approx(ts_exponential_delay(encoded, retry + 1)).epsilon(0.001));
  }
  CHECK_FALSE(retry_delay(policy, failure, 6, 0, far_away).has_value());  // the retries are used up
  const auto decoded = decode_retry(encoded);
  REQUIRE(decoded.has_value());
  CHECK(decoded->initial_delay == 300ms);
  CHECK(decoded->factor == 3.0);
  CHECK(decoded->max_delay == 20000ms);
  CHECK(decoded->max_retries == 6);
}

TEST_CASE("policies written by the TS SDK are read with its defaults and its 'unlimited'") {
  const auto exponential = decode_retry(json::parse(
      R"({"type":"exponential","data":{"delay":1000,"factor":2,"maxRetries":9007199254740991,"maxDelay":30000}})"));
  REQUIRE(exponential.has_value());
  CHECK(exponential->initial_delay == 2000ms);  // TS waits delay * factor^1 before its first retry
  CHECK(exponential->max_retries == std::numeric_limits<int>::max());

  const auto constant = decode_retry(json::parse(R"({"type":"constant","data":{"delay":50,"maxRetries":2}})"));
  REQUIRE(constant.has_value());
  CHECK(retry_delay(*constant, failure, 0, 0, far_away) == 50ms);
  CHECK(retry_delay(*constant, failure, 1, 0, far_away) == 50ms);
  CHECK_FALSE(retry_delay(*constant, failure, 2, 0, far_away).has_value());

  const auto linear = decode_retry(json::parse(R"({"type":"linear","data":{"delay":40}})"));
  REQUIRE(linear.has_value());
  CHECK(retry_delay(*linear, failure, 0, 0, far_away) == 40ms);  // TS Linear: delay * n for retry n
  CHECK(retry_delay(*linear, failure, 2, 0, far_away) == 120ms);

  const auto never = decode_retry(json::parse(R"({"type":"never","data":{}})"));
  REQUIRE(never.has_value());
  CHECK_FALSE(retry_delay(*never, failure, 0, 0, far_away).has_value());

  CHECK_FALSE(decode_retry(json::parse(R"({"type":"fibonacci","data":{}})")).has_value());
  CHECK_FALSE(decode_retry(json::parse("null")).has_value());
  CHECK_FALSE(decode_retry(json::parse(R"({"data":{}})")).has_value());
}

TEST_CASE("delays saturate instead of overflowing, and stop at the promise's deadline") {
  const std::chrono::milliseconds year = std::chrono::hours(24 * 365);
  RetryPolicy steep{1000ms, 1e300, year, 100};
  CHECK(retry_delay(steep, failure, 90, 0, far_away) == year);  // capped, not wrapped negative
  steep.max_delay = std::chrono::milliseconds::max();
  CHECK_FALSE(retry_delay(steep, failure, 90, 0, far_away).has_value());  // never before any deadline
  const auto decoded = decode_retry(json::parse(R"({"type":"constant","data":{"delay":1e30,"maxRetries":-5}})"));
  REQUIRE(decoded.has_value());
  CHECK(decoded->max_retries == 0);
  CHECK(decoded->initial_delay == std::chrono::milliseconds::max());
  // A retry that would start after the deadline does not happen.
  CHECK_FALSE(retry_delay(RetryPolicy::constant(10s, 5), failure, 0, 5000, 5000 + 1000).has_value());
}

TEST_CASE("a NonRetryableError or a DecodeError is never retried") {
  const auto policy = RetryPolicy::constant(1ms, 10);
  CHECK_FALSE(retry_delay(policy, std::make_exception_ptr(resonate::NonRetryableError("no")), 0, 0, far_away).has_value());
  CHECK_FALSE(retry_delay(policy, std::make_exception_ptr(resonate::DecodeError("bad")), 0, 0, far_away).has_value());
}

TEST_CASE("an invocation carries its retry policy in the param, and reads it back") {
  const auto param =
      resonate::sdk::invocation_param("charge", json::array{1, "two"}, 3, RetryPolicy::constant(20ms, 2));
  const auto invocation = resonate::sdk::read_invocation(param);
  CHECK(invocation.func == "charge");
  CHECK(invocation.version == 3);
  REQUIRE(invocation.retry.has_value());
  CHECK(invocation.retry->initial_delay == 20ms);
  CHECK(invocation.retry->max_retries == 2);
  CHECK_FALSE(resonate::sdk::read_invocation(resonate::sdk::invocation_param("f", {}, 1)).retry.has_value());
}
