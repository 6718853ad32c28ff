// Prometheus text exposition for `GET /metrics`: requests by kind and status, commits (group
// commit batches), message deliveries by transport and outcome, live SSE connections, the bytes
// their queues and the parked messages hold, streams ended by reason, workers and parked
// messages by group, promises and tasks by state.
//
// Threading: the counters are only touched on the server's I/O thread; the record counts are
// read from the store on the core thread (count_records) and handed to render().
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "core/store.hpp"
#include "server/request_batcher.hpp"
#include "server/sse_registry.hpp"

namespace resonate::server {

struct RecordCounts {
  std::map<std::string, std::uint64_t, std::less<>> promises_by_state;
  std::map<std::string, std::uint64_t, std::less<>> tasks_by_state;
};

// Counts the promises and tasks in each state (Transaction::count_by_state). Blocking: call it
// where the other store calls run.
RecordCounts count_records(core::Store& store);

class Metrics {
 public:
  // `replica`: this server's name among the replicas of one database (resonate_replica_info).
  explicit Metrics(std::string replica = {}) : replica_(std::move(replica)) {}

  // `kind` is an envelope kind as answered by the core; unknown kinds are counted as "other"
  // so a client cannot grow the label set without bound.
  void count_request(std::string_view kind, int status);
  // transport: "poll" | "http"; outcome: "queued" | "parked" | "no_connection" | "requeued" | "invalid_address" | …
  void count_delivery(std::string_view transport, std::string_view outcome, std::uint64_t messages = 1);
  // reason: to_string(StreamEnd), a fixed set.
  void count_sse_disconnect(std::string_view reason);
  // A take of the shared outbox (replicas): `found` false when another replica took first.
  void count_outbox_take(bool found) { ++(found ? outbox_takes_found_ : outbox_takes_empty_); }

  // The streams and per-group gauges come from `registry`, the commits from `commits` (both
  // read on the I/O thread), `conflicts` and `reruns` from Core::conflicts() and
  // Core::batch_reruns().
  std::string render(const RecordCounts& records, const SseRegistry& registry,
                     const RequestBatcher::Counts& commits, std::uint64_t conflicts, std::uint64_t reruns) const;

 private:
  std::string replica_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> deliveries_;
  std::map<std::string, std::uint64_t, std::less<>> disconnects_;
  std::uint64_t outbox_takes_found_ = 0;
  std::uint64_t outbox_takes_empty_ = 0;
};

}  // namespace resonate::server
