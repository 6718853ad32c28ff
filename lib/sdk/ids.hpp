// Promise ids of durable calls, minted exactly like the TypeScript SDK 0.11.5 so that C++
// and TypeScript workers replay each other's executions (resonate-protocol.md §5.2).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace resonate::sdk {

// The id of the `seq`-th durable call made by the execution `parent`: a root's children
// join with ':' (`wf:0`), deeper levels with '.' (`wf:0.1`).
std::string child_id(std::string_view parent, std::uint64_t seq);

// The position `seq` of `id` when it is child_id(parent, seq); nullopt for any other id.
std::optional<std::uint64_t> child_position(std::string_view parent, std::string_view id);

// The id of a detached call that would otherwise have had id `seq_id`:
// `{origin}:d{cyrb53(seq_id) as 14 hex digits}`.
std::string detached_id(std::string_view origin, std::string_view seq_id);

// A root id the TS SDK accepts: non-empty, without ':' and NUL.
bool valid_root_id(std::string_view id);

}  // namespace resonate::sdk
