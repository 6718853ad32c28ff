// Random but plausible request sequences for the protocol core (docs/resonate-protocol.md §3):
// a small universe of promise ids, workers and versions so that requests collide, with right
// and wrong fencing tokens, time that jumps past retry/lease/promise deadlines, and some garbage.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "choices.hpp"
#include "wire/records.hpp"

namespace resonate::fuzz {

namespace json = boost::json;
using wire::Millis;

inline constexpr Millis start_time = 1700000000000;

struct Step {
  Millis at = start_time;               // every request of the step is applied at this time
  std::vector<json::object> requests{};  // applied in order
  // The two requests are task.acquire of one task at one version by different workers.
  bool contested_acquire = false;
  // The driver empties the outbox after the requests, as the delivery loop would.
  bool deliver = false;
};

class RequestGenerator {
 public:
  explicit RequestGenerator(Choices& choices) : choices_(choices) {}

  // The next step, given the core's state (the data of `debug.snap`) before it.
  Step next(const json::object& snapshot);

  // A request envelope with a fresh corrId.
  json::object envelope(std::string_view kind, json::object data);

 private:
  std::string promise_id();
  // Mostly an existing promise, or a task in `state` (any state when empty), so that
  // requests meet records; sometimes any id of the universe.
  std::string existing_promise_id(const json::object& snapshot);
  std::string task_id(const json::object& snapshot, std::string_view state);
  std::string other_than(std::string_view id);
  // Mostly a pending promise other than `awaiter`, so that suspensions succeed.
  std::string awaitable_id(const json::object& snapshot, std::string_view awaiter);
  std::string pid();
  std::string settle_state();
  std::int64_t version_of(const json::object& snapshot, std::string_view task_id);
  std::string holder_of(const json::object& snapshot, std::string_view task_id);
  Millis timeout_at();
  json::object create_data(bool force_target);
  json::object garbage();

  Choices& choices_;
  Millis now_ = start_time;
  std::uint64_t next_corr_id_ = 1;
  std::uint64_t next_value_ = 1;
};

}  // namespace resonate::fuzz
