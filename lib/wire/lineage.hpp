// Lineage rules of promise ids (docs/resonate-protocol.md §4.9 and the compatibility
// profile of §7.2). Ids grow from their origin with ':' for the first level and '.' below
// (TS SDK 0.11.5: `wf:0`, `wf:0.1`); the dot grammar of server c8d7c7b is accepted too.
#pragma once

#include <string_view>

#include "wire/records.hpp"

namespace resonate::wire {

// The root of an execution tree: the text before the first ':' (the whole id if none).
std::string_view origin_of(std::string_view id);

// True when `id` equals `ancestor` or extends it with ':' or '.'.
bool extends(std::string_view id, std::string_view ancestor);

// Throws InvalidRequest when the lineage tags of a promise to be created contradict its id:
// `resonate:origin` must not contain ':' and `id` must extend it; `id` must extend
// `resonate:branch` and `resonate:parent`.
void validate_lineage(std::string_view id, const Tags& tags);

}  // namespace resonate::wire
