// Which resource ids each request kind names (docs/resonate-protocol.md §1.3), read from the
// request's data as received: authorization checks them before the request is validated, so
// that a caller without rights learns nothing from validation errors.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

namespace resonate::wire {

// The resource ids a request of `kind` names. A required id that is absent (or a nested
// object that is missing) is a nullptr entry, so that a check over the list fails. nullopt:
// the kind names no checkable ids (search operations, unknown kinds).
//
// Beyond the ids §1.3 lists, the ids an operation touches through a nested action count too
// (register_callback's awaiter, the awaited ids of task.suspend, the promise task.fence
// creates or settles, schedule.create's promise id), so that a prefix never lets a caller read
// or change a record outside it.
std::optional<std::vector<const boost::json::value*>> resource_ids(std::string_view kind,
                                                                   const boost::json::value& data);

}  // namespace resonate::wire
