// The request kinds of the protocol (docs/resonate-protocol.md §3): each checks a typed request
// (wire/requests.hpp) against the stored records, acts through the StateMachine and answers
// with a typed response (wire/responses.hpp).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "core/state_machine.hpp"
#include "wire/requests.hpp"

namespace resonate::core {

// A well-formed request the protocol answers with an error status (404, 409, 422, …).
class Failure : public std::runtime_error {
 public:
  Failure(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

struct OperationResult {
  int status = 200;
  boost::json::value data;
};

struct OperationContext {
  StateMachine& machine;
  std::string_view corr_id;  // echoed in the inner head of task.fence
  bool fence_preload = true;  // CoreOptions::fence_preload
  std::size_t max_page_bytes = 4 * 1024 * 1024;  // CoreOptions::max_page_bytes
};

// Throws wire::InvalidRequest (400) or Failure; store errors propagate.
OperationResult perform(const wire::Request& request, OperationContext& context);

// The message of a 404 for a promise that does not exist.
inline constexpr std::string_view promise_not_found = "Promise not found";

// The action of a task.fence, checked and performed: 200 and the promise created, settled or
// found settled, or 404 (promise_not_found) when the promise to settle does not exist. Throws Failure(409) when the
// task is not held at the request's version; store errors propagate.
struct FencedAction {
  int status = 200;
  wire::Promise promise{};
};
FencedAction fence(const wire::TaskFence& request, StateMachine& machine);

}  // namespace resonate::core
