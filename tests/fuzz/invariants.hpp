// Properties of the protocol core that hold after every request, whatever the sequence
// (docs/resonate-protocol.md §1.2, §2, §4). Each check returns an empty string when the
// property holds, else a description of the violation fit for a failure message.
#pragma once

#include <string>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace resonate::fuzz {

// §1.2: the response is an envelope {kind, head{corrId, status, version}, data} that echoes
// the request's kind and corrId, with a protocol status (never 500 on a healthy store), and
// whose data is a string exactly when the status is an error.
std::string envelope_violation(const boost::json::value& request, const boost::json::object& response);

// §2-§4, comparing two `debug.snap` results taken before and after one step: settled promises
// never change, versions never decrease, lease fields and timers match the task state, and a
// task is fulfilled exactly when its promise is settled.
std::string state_violation(const boost::json::object& before, const boost::json::object& after);

// `snapshot` with every array in a canonical order, for comparing two stores' snapshots.
boost::json::object canonical(const boost::json::object& snapshot);

}  // namespace resonate::fuzz
