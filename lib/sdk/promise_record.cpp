#include "sdk/promise_record.hpp"

#include "sdk/wire.hpp"

namespace resonate::sdk {

namespace {
PromiseState state_of(wire::PromiseState state) {
  switch (state) {
    case wire::PromiseState::pending: return PromiseState::pending;
    case wire::PromiseState::resolved: return PromiseState::resolved;
    case wire::PromiseState::rejected: return PromiseState::rejected;
    case wire::PromiseState::rejected_canceled: return PromiseState::canceled;
    case wire::PromiseState::rejected_timedout: return PromiseState::timed_out;
  }
  return PromiseState::pending;
}

}  // namespace

PromiseRecord promise_record(const wire::Promise& promise, const Encryptor* encryptor) {
  PromiseRecord record;
  record.id = promise.id;
  record.state = state_of(promise.state);
  record.param = sdk::decode_value(promise.param, encryptor);
  record.value = sdk::decode_value(promise.value, encryptor);
  record.tags = Tags(promise.tags.begin(), promise.tags.end());
  record.timeout_at = promise.timeout_at;
  record.created_at = promise.created_at;
  record.settled_at = promise.settled_at;
  return record;
}

}  // namespace resonate::sdk
