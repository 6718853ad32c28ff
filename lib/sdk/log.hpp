// The SDK's own log lines. Until a Logger hook exists, warnings go to stderr, one write per
// line so that concurrent executions do not interleave them.
#pragma once

#include <string_view>

namespace resonate::sdk {

void warn(std::string_view message);

}  // namespace resonate::sdk
