// The settled state of a durable promise as the typed API layer sees it (internal).
#pragma once

#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include "resonate/codec.hpp"

namespace resonate::detail {

struct Outcome {
  enum class State { resolved, rejected, canceled, timed_out };
  State state = State::resolved;
  boost::json::value value;  // the decoded JSON of the stored value (null when empty)
};

// Throws the typed exception of a non-resolved outcome (ExecutionError, CanceledError,
// TimedOutError).
[[noreturn]] void throw_rejection(const Outcome& outcome);

template <class R>
R unwrap(const Outcome& outcome) {
  if (outcome.state != Outcome::State::resolved) throw_rejection(outcome);
  return decode<R>(outcome.value);
}

// Something that eventually yields the outcome of one durable promise.
class Awaiter {
 public:
  virtual ~Awaiter() = default;
  virtual const std::string& id() const = 0;
  virtual boost::asio::awaitable<Outcome> wait() = 0;
  // Whether the outcome is there, without waiting for it.
  virtual boost::asio::awaitable<bool> done() = 0;
};

}  // namespace resonate::detail
