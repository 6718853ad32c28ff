// The `key=value` lines that resonate-server and the test programs print, written and read.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace resonate::test_support {

// Writes `line` and a newline to stdout and flushes, so the parent test sees it at once.
void print_line(std::string_view line);

// The value of ` key=value` in `line`, up to the next space; nullopt when there is none.
std::optional<std::string> field(std::string_view line, std::string_view key);

// Matches the line a client program prints when its call `id` ends: `result id=<id> …` or
// `error id=<id> …` (load_balancing_client, tests/interop/client.mjs).
std::function<bool(std::string_view)> outcome_line(std::string id);

// The port of resonate-server's `msg="listening" addr=127.0.0.1:<port> port=<port>` line: the
// `port=` field, else the digits after the last ':' of `addr=`; nullopt when neither is a port.
std::optional<int> listening_port(std::string_view line);

}  // namespace resonate::test_support
