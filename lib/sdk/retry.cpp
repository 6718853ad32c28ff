#include "sdk/retry.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>

#include <boost/json/object.hpp>

#include "resonate/errors.hpp"
#include "wire/clock.hpp"

namespace resonate::sdk {

namespace json = boost::json;
using std::chrono::milliseconds;

namespace {

// A delay in ms from a double (a JSON number, a computed backoff), saturated at the integer
// boundary: 2^63 as a double is already out of range.
milliseconds delay_of(double ms) {
  if (!(ms > 0)) return milliseconds{0};
  if (ms >= static_cast<double>(std::numeric_limits<std::int64_t>::max())) return milliseconds::max();
  return milliseconds(static_cast<std::int64_t>(std::llround(ms)));
}

}  // namespace

std::optional<milliseconds> retry_delay(const RetryPolicy& policy, const std::exception_ptr& error, int attempt,
                                        std::int64_t now, std::int64_t deadline) {
  try {
    std::rethrow_exception(error);
  } catch (const NonRetryableError&) {
    return std::nullopt;
  } catch (const DecodeError&) {
    return std::nullopt;  // the same input fails the same way every time
  } catch (...) {
  }
  if (attempt >= policy.max_retries) return std::nullopt;
  const double initial = static_cast<double>(policy.initial_delay.count());
  const double scaled = policy.growth == RetryPolicy::Growth::linear
                            ? initial * (attempt + 1)
                            : initial * std::pow(policy.factor, attempt);
  const auto delay = std::min(delay_of(scaled), std::max(policy.max_delay, milliseconds{0}));
  if (wire::deadline_after(now, delay.count()) >= deadline) return std::nullopt;
  return delay;
}

json::value encode_retry(const RetryPolicy& policy) {
  json::object data;
  std::string_view type;
  if (policy.max_retries <= 0) {
    type = "never";
  } else if (policy.growth == RetryPolicy::Growth::linear) {
    type = "linear";
    data.emplace("delay", policy.initial_delay.count());
    data.emplace("maxRetries", policy.max_retries);
  } else if (policy.factor == 1.0) {
    type = "constant";
    data.emplace("delay", std::min(policy.initial_delay, policy.max_delay).count());
    data.emplace("maxRetries", policy.max_retries);
  } else {
    type = "exponential";
    data.emplace("delay", static_cast<double>(policy.initial_delay.count()) / policy.factor);
    data.emplace("factor", policy.factor);
    data.emplace("maxRetries", policy.max_retries);
    data.emplace("maxDelay", policy.max_delay.count());
  }
  json::object retry;
  retry.emplace("type", type);
  retry.emplace("data", std::move(data));
  return retry;
}

namespace {

// A number field of `data`, or `fallback` when absent or not a number.
double number(const json::object* data, std::string_view key, double fallback) {
  const auto* field = data ? data->if_contains(key) : nullptr;
  if (!field || !field->is_number()) return fallback;
  return field->to_number<double>();
}

// TS writes Number.MAX_SAFE_INTEGER for "no limit".
int retries_of(double count) {
  if (!(count > 0)) return 0;
  if (count >= static_cast<double>(std::numeric_limits<int>::max())) return std::numeric_limits<int>::max();
  return static_cast<int>(count);
}

}  // namespace

std::optional<RetryPolicy> decode_retry(const json::value& retry) {
  const auto* object = retry.if_object();
  const auto* type = object ? object->if_contains("type") : nullptr;
  if (!type || !type->is_string()) return std::nullopt;
  const auto* data_value = object->if_contains("data");
  const auto* data = data_value ? data_value->if_object() : nullptr;
  // The TS SDK's defaults for fields a policy leaves out.
  constexpr double unlimited = 9007199254740991.0;
  const auto retries = retries_of(number(data, "maxRetries", unlimited));
  if (type->get_string() == "never") return RetryPolicy::never();
  if (type->get_string() == "constant") return RetryPolicy::constant(delay_of(number(data, "delay", 1000)), retries);
  if (type->get_string() == "linear") return RetryPolicy::linear(delay_of(number(data, "delay", 1000)), retries);
  if (type->get_string() == "exponential") {
    const double factor = number(data, "factor", 2);
    RetryPolicy policy;
    policy.initial_delay = delay_of(number(data, "delay", 1000) * factor);
    policy.factor = factor;
    policy.max_delay = delay_of(number(data, "maxDelay", 30000));
    policy.max_retries = retries;
    return policy;
  }
  return std::nullopt;
}

}  // namespace resonate::sdk
