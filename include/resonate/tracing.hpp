// Lifecycle events of executions and steps, for tracing (OpenTelemetry spans, metrics, logs)
// outside the SDK:
//
//   config.tracer = [](const resonate::TraceEvent& event) {
//     if (event.kind == resonate::TraceEvent::Kind::started) spans.open(event.id, event.call, event.parent_id);
//     if (event.kind == resonate::TraceEvent::Kind::completed) spans.close(event.id, event.failed);
//   };
//
// An execution is a function run by this process for a task (a root call, an rpc, a detached
// call); it runs in passes: `started` at the top of each pass, then `suspended` when a pass
// ends waiting, or `completed` when the function's promise settles (`retried` when it failed
// and its call's retry policy runs it again). A step is one ctx.run / ctx.spawn_run: `replayed`
// when its stored result is returned without running it, else `started` at each attempt,
// `retried` after a failed one, `completed` when its promise settles.
//
// The tracer is called on the threads that run the io_context, possibly concurrently, in the
// order of each execution's events; an exception it throws is ignored.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace resonate {

struct TraceEvent {
  enum class Kind { started, replayed, retried, suspended, completed };
  Kind kind = Kind::started;
  std::string id;         // the promise of the execution or step
  std::string parent_id;  // who called it (an execution's root: its own id)
  std::string origin_id;  // the root of the execution tree
  std::string call;       // an execution: its function's name; a step: "run <name or signature>"
  int attempt = 1;        // from 1
  std::int64_t at = 0;    // epoch ms, by the SDK's clock
  bool failed = false;    // completed: rejected (or timed out, canceled) rather than resolved
  std::string detail;     // retried: the error; suspended: the awaited promise ids, comma separated
};

using Tracer = std::function<void(const TraceEvent&)>;

std::string_view to_string(TraceEvent::Kind kind);

}  // namespace resonate
