#include "resonate/tracing.hpp"

namespace resonate {

std::string_view to_string(TraceEvent::Kind kind) {
  switch (kind) {
    case TraceEvent::Kind::started: return "started";
    case TraceEvent::Kind::replayed: return "replayed";
    case TraceEvent::Kind::retried: return "retried";
    case TraceEvent::Kind::suspended: return "suspended";
    case TraceEvent::Kind::completed: return "completed";
  }
  return "unknown";
}

}  // namespace resonate
