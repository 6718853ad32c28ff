// The tag filter shared by the stores' search operations.
#pragma once

#include "wire/records.hpp"

namespace resonate::store {

// True when every key/value of `wanted` is present in `tags` (an empty filter matches all).
inline bool tags_include(const wire::Tags& tags, const wire::Tags& wanted) {
  for (const auto& [key, value] : wanted) {
    auto found = tags.find(key);
    if (found == tags.end() || found->second != value) return false;
  }
  return true;
}

}  // namespace resonate::store
