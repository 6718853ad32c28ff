// `resonate tree <id>`: the call tree of an execution, made from promise records alone (no
// sockets here, so it is tested with records written by hand).
//
// Every promise an SDK creates for a durable call carries the origin of its execution tree
// (`resonate:origin`) and its caller (`resonate:parent`); a record without a parent tag is
// placed by the id grammar instead ("a:0.1" is a child of "a:0", "a:0" of "a"). What a node is
// comes from the C++ SDK's call tag (`resonate-cpp:call`: "run charge", "rpc ship", "sleep",
// "promise"), else from the tags every SDK writes (a timer is a sleep, a local promise a run,
// a global one with an invocation an rpc).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace resonate::cli {

struct CallNode {
  std::string id;
  std::string kind;  // "invoke" (the tree's root), "run", "rpc", "detached", "sleep", "promise"
  std::string name;  // the function, or the step's name; empty when unknown
  std::string state;
  std::optional<std::int64_t> created_at, settled_at, timeout_at;
  std::vector<CallNode> children;
};

// The tree under `root` (a promise record, payloads decoded as present_promise gives them)
// made of `members` (records of the same origin, in any order; `root` may be among them).
// Children are ordered by creation, then by their sequence number in the id.
CallNode call_tree(const boost::json::object& root, const std::vector<boost::json::object>& members);

// The origin whose records make the tree of `root`: its tag, else the id's first segment.
std::string origin_of_record(const boost::json::object& root);

// {"id", "kind", "name", "state", "createdAt", "settledAt", "timeoutAt", "children": [...]}.
boost::json::value tree_json(const CallNode& node);

// One line per node, indented with box-drawing branches: id, kind and name, state, and how
// long it took (settled) or when it times out / wakes (pending), relative to `now` (epoch ms).
std::string tree_text(const CallNode& node, std::int64_t now);

// "850 ms", "12.3 s", "4 min 10 s", "2 h 5 min", "3 d 4 h".
std::string human_duration(std::int64_t milliseconds);

}  // namespace resonate::cli
