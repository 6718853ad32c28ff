// Promises: durable promises as records, for code that works with promises directly — a
// webhook that settles the promise a workflow waits on, an operator tool, a test.
//
//   auto promises = resonate.promises();
//   co_await promises.create("approval-7", std::chrono::hours(24));
//   co_await promises.resolve("approval-7", true);
//   resonate::PromiseRecord record = co_await promises.get("approval-7");
//   bool approved = record.value_as<bool>();   // record.state == PromiseState::resolved
//
// Values and params are JSON, stored as every Resonate SDK stores them (base64 of the JSON),
// so a promise made here is read by a TypeScript worker and the other way round.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include "resonate/codec.hpp"
#include "resonate/options.hpp"

namespace resonate {

namespace detail {
class Runtime;
}

enum class PromiseState { pending, resolved, rejected, canceled, timed_out };

struct PromiseRecord {
  std::string id;
  PromiseState state = PromiseState::pending;
  boost::json::value param;  // its param's JSON (null when it has none)
  boost::json::value value;  // its value's JSON (null while pending)
  Tags tags;
  std::int64_t timeout_at = 0;  // epoch ms
  std::int64_t created_at = 0;
  std::optional<std::int64_t> settled_at;

  // The value as T; throws DecodeError when it does not convert.
  template <class T>
  T value_as() const {
    return decode<T>(value);
  }
};

class Promises {
 public:
  explicit Promises(std::shared_ptr<detail::Runtime> runtime) : runtime_(std::move(runtime)) {}

  // The promise `id`; throws NotFoundError when there is none.
  boost::asio::awaitable<PromiseRecord> get(std::string id) const;

  // Creates the pending promise `id`, due in `timeout` (or returns the existing one: creation
  // is idempotent). Tags are stored as given: a "resonate:target" tag makes the server create a
  // task for that address's workers as well (its param must then be an invocation).
  template <class T = std::nullptr_t>
  boost::asio::awaitable<PromiseRecord> create(std::string id, std::chrono::milliseconds timeout, const T& param = {},
                                               Tags tags = {}) const {
    return create_encoded(std::move(id), timeout, encode(param), std::move(tags));
  }

  // Settles a pending promise; the record as stored afterwards (a promise that was settled
  // already keeps its first outcome: check `state`).
  template <class T>
  boost::asio::awaitable<PromiseRecord> resolve(std::string id, const T& value) const {
    return settle_encoded(std::move(id), PromiseState::resolved, encode(value));
  }
  template <class T>
  boost::asio::awaitable<PromiseRecord> reject(std::string id, const T& value) const {
    return settle_encoded(std::move(id), PromiseState::rejected, encode(value));
  }
  boost::asio::awaitable<PromiseRecord> cancel(std::string id) const;

 private:
  boost::asio::awaitable<PromiseRecord> create_encoded(std::string id, std::chrono::milliseconds timeout,
                                                       boost::json::value param, Tags tags) const;
  boost::asio::awaitable<PromiseRecord> settle_encoded(std::string id, PromiseState state,
                                                       boost::json::value value) const;

  std::shared_ptr<detail::Runtime> runtime_;
};

}  // namespace resonate
