// The records a request will read, named from the request alone (Transaction::read_ahead): a
// group-commit batch on PostgreSQL reads them all in one round trip instead of one each.
#pragma once

#include "core/store.hpp"
#include "wire/requests.hpp"

namespace resonate::core {

// Appends to `reads` the ids `request` reads (its promise and task, the promises it awaits or
// settles, the branch its answer preloads: a fence's only with `fence_preload`, as
// CoreOptions). Only a hint: a request may read more (a settlement resumes awaiters) or less
// (it fails early). The views point into `request`.
void name_reads(const wire::Request& request, ReadAhead& reads, bool fence_preload = true);

}  // namespace resonate::core
