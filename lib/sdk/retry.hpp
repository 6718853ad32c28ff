// Retry policies: when a failed attempt runs again, and how a policy travels in a promise's
// param so that whichever worker executes the function applies it.
//
// The wire shape is the TypeScript SDK's (`param.data.retry`): {"type": "exponential" |
// "constant" | "linear" | "never", "data": {...}}. Its exponential `delay` is the delay of a
// retry "0": retry n (1-based) waits min(delay × factor^n, maxDelay). A RetryPolicy names the
// delay of the first retry instead, so the two are converted (delay = initial_delay / factor)
// and a TS worker retries a C++ caller's function on the same schedule, and the other way round.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>

#include <boost/json/value.hpp>

#include "resonate/options.hpp"

namespace resonate::sdk {

// How long to wait before retry number `attempt` (0-based: the retry after the first failure
// is 0), or nothing when the failure `error` must stand: a NonRetryableError or DecodeError,
// the policy's retries are used up, or the retry would start at or after `deadline` (epoch ms;
// `now` is the time by the SDK's clock).
std::optional<std::chrono::milliseconds> retry_delay(const RetryPolicy& policy, const std::exception_ptr& error,
                                                     int attempt, std::int64_t now, std::int64_t deadline);

boost::json::value encode_retry(const RetryPolicy& policy);
// The policy of a `retry` field; nothing when it is absent, null or of a type this SDK does
// not know (the TS SDK ignores those too).
std::optional<RetryPolicy> decode_retry(const boost::json::value& retry);

}  // namespace resonate::sdk
