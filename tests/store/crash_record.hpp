// The promise the crash writer stores under each id, so the test can check it is intact.
#pragma once

#include <string>

#include "wire/records.hpp"

namespace resonate::test_support {

inline wire::Promise crash_record(const std::string& id) {
  wire::Promise promise;
  promise.id = id;
  promise.param = wire::Value{wire::Tags{{"content-type", "text/plain"}}, "payload of " + id};
  promise.tags = {{"resonate:branch", id}, {"crash", "test"}};
  promise.timeout_at = 1'000'000'000'000 + static_cast<wire::Millis>(id.size());
  promise.created_at = 1'000;
  return promise;
}

}  // namespace resonate::test_support
