// The promise the crash writer stores under each id, so the test can check it is intact.
#pragma once

#include <string>

#include "protocol/types.hpp"

namespace resonate::test {

inline protocol::Promise crash_record(const std::string& id) {
  protocol::Promise promise;
  promise.id = id;
  promise.param = protocol::Value{protocol::Tags{{"content-type", "text/plain"}}, "payload of " + id};
  promise.tags = {{"resonate:branch", id}, {"crash", "test"}};
  promise.timeout_at = 1'000'000'000'000 + static_cast<protocol::Millis>(id.size());
  promise.created_at = 1'000;
  return promise;
}

}  // namespace resonate::test
