// Promise ids of durable calls, minted exactly like the TypeScript SDK 0.11.5 so that C++
// and TypeScript workers replay each other's executions (resonate-protocol.md §5.2).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "wire/records.hpp"

namespace resonate::sdk {

// How the ids of an execution's durable calls are spelled. This SDK, TypeScript and Python:
// a root's children join with ':' (`wf:0`), deeper levels with '.' (`wf:0.1`). The Rust SDK
// 0.4: '.' at every level (`wf.0`, `wf.0.1`); a worker of this SDK that replays an execution
// started by a Rust worker spells its ids that way, so that it finds the Rust checkpoints.
enum class IdGrammar { colon_first, dots };

// The id of the `seq`-th durable call made by the execution `parent`.
std::string child_id(std::string_view parent, std::uint64_t seq, IdGrammar grammar = IdGrammar::colon_first);

// What every child id of `parent` starts with: the parent and its separator (child_id(parent,
// seq) is this prefix followed by seq in decimal).
std::string child_prefix(std::string_view parent, IdGrammar grammar = IdGrammar::colon_first);

// An id read back as a child id: its prefix (up to and including its last ':' or '.') and its
// position, when what follows that separator is a position as child_id writes it (decimal,
// no leading zero) and something precedes it; nullopt for any other id.
struct ChildSpelling {
  std::string_view prefix;
  std::uint64_t position;
};
std::optional<ChildSpelling> child_spelling(std::string_view id);

// The position `seq` of `id` when it is child_id(parent, seq, grammar); nullopt for any other id.
std::optional<std::uint64_t> child_position(std::string_view parent, std::string_view id,
                                            IdGrammar grammar = IdGrammar::colon_first);

// The grammar a record id shows for the children of `root`: colon_first for `root:N`, dots
// for `root.N`; nothing for any other id, and for a `root` that contains ':' (both grammars
// then join its children with '.').
std::optional<IdGrammar> grammar_shown(std::string_view root, std::string_view id);

// The id of a detached call that would otherwise have had id `seq_id`:
// `{origin}:d{cyrb53(seq_id) as 14 hex digits}`.
std::string detached_id(std::string_view origin, std::string_view seq_id);

// A root id the TS SDK accepts: non-empty, without ':' and NUL.
bool valid_root_id(std::string_view id);

// The tags of a promise the SDK creates: the caller's tags, then the SDK's own (lineage, scope,
// target), which win over the caller's.
template <typename UserTags>
wire::Tags call_tags(const UserTags& user, std::initializer_list<std::pair<std::string_view, std::string_view>> own) {
  wire::Tags tags(user.begin(), user.end());
  for (const auto& [key, value] : own) tags.insert_or_assign(std::string(key), std::string(value));
  return tags;
}

// The tags of root call `id` to `target`, as the TS SDK's rpc writes them.
template <typename UserTags>
wire::Tags root_call_tags(const UserTags& user, std::string_view id, std::string_view target) {
  return call_tags(user, {{wire::tag::origin, id},
                          {wire::tag::branch, id},
                          {wire::tag::parent, id},
                          {wire::tag::scope, "global"},
                          {wire::tag::target, target}});
}

}  // namespace resonate::sdk
