// What each durable call is, recorded with its checkpoint so that a replay can tell when the
// code no longer makes the calls the execution made (non-determinism detection).
//
// Every promise a C++ function creates carries the tag `resonate-cpp:call`: the kind of call
// and its name — "run <name>" (Options::name, else the step's signature, e.g.
// "run int (std::string)"), "rpc <function>", "detached <function>", "sleep", "promise".
// Another SDK ignores the tag; a promise without it (written by another SDK, or by an older
// version of this one) is replayed without the check.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "wire/records.hpp"

namespace resonate::sdk {

inline constexpr std::string_view call_tag = "resonate-cpp:call";

// A call's description, as views: compared on every replayed checkpoint without building the
// text (replay must not allocate for it).
struct CallIdentity {
  std::string_view kind;  // "run", "rpc", "detached", "sleep", "promise"
  std::string_view name;  // empty for sleep and promise

  // "kind name", or "kind" without a name: the tag's value.
  std::string text() const;
  bool is(std::string_view recorded) const;
};

// What `recorded` says it was, when it says.
std::optional<std::string_view> recorded_call(const wire::Promise& recorded);

// The message of a mismatch: the position, what the execution recorded, what the code calls.
std::string nondeterminism_message(std::string_view root, std::string_view position_id, std::string_view recorded,
                                   std::string_view current);

}  // namespace resonate::sdk
