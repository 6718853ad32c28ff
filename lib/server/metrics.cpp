#include "server/metrics.hpp"

#include "wire/requests.hpp"

namespace resonate::server {

using wire::PromiseState;
using wire::TaskState;
using wire::to_string;

namespace {

bool is_debug_kind(std::string_view kind) {
  return kind == "debug.start" || kind == "debug.stop" || kind == "debug.reset" || kind == "debug.tick" ||
         kind == "debug.snap";
}

void append_sample(std::string& out, std::string_view name, std::string_view labels, std::uint64_t value) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

// Group names come from URL paths: escape what the text format gives a meaning to.
std::string label_value(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void append_header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

}  // namespace

RecordCounts count_records(core::Store& store) {
  auto tx = store.begin();
  const auto counted = tx->count_by_state();
  tx->commit();
  // Every state is printed, 0 when none is in it, so that a series never vanishes.
  auto count_of = [](const auto& by_state, auto state) -> std::uint64_t {
    const auto found = by_state.find(state);
    return found == by_state.end() ? 0 : found->second;
  };
  RecordCounts counts;
  for (auto state : {PromiseState::pending, PromiseState::resolved, PromiseState::rejected,
                     PromiseState::rejected_canceled, PromiseState::rejected_timedout}) {
    counts.promises_by_state[std::string(to_string(state))] = count_of(counted.promises, state);
  }
  for (auto state : {TaskState::pending, TaskState::acquired, TaskState::suspended, TaskState::halted,
                     TaskState::fulfilled}) {
    counts.tasks_by_state[std::string(to_string(state))] = count_of(counted.tasks, state);
  }
  return counts;
}

void Metrics::count_request(std::string_view kind, int status) {
  const bool known = wire::is_request_kind(kind) || is_debug_kind(kind);
  ++requests_[{known ? std::string(kind) : std::string("other"), status}];
}

void Metrics::count_delivery(std::string_view transport, std::string_view outcome, std::uint64_t messages) {
  deliveries_[{std::string(transport), std::string(outcome)}] += messages;
}

void Metrics::count_sse_disconnect(std::string_view reason) {
  auto found = disconnects_.find(reason);
  if (found == disconnects_.end()) found = disconnects_.emplace(std::string(reason), 0).first;
  ++found->second;
}

std::string Metrics::render(const RecordCounts& records, const SseRegistry& registry,
                            const RequestBatcher::Counts& commits, std::uint64_t conflicts,
                            std::uint64_t reruns) const {
  std::string out;
  append_header(out, "resonate_replica_info", "gauge", "This server's name among the replicas of its database.");
  append_sample(out, "resonate_replica_info", "replica=\"" + label_value(replica_) + "\"", 1);
  append_header(out, "resonate_promises", "gauge", "Promises by state.");
  for (const auto& [state, count] : records.promises_by_state) {
    append_sample(out, "resonate_promises", "state=\"" + state + "\"", count);
  }
  append_header(out, "resonate_tasks", "gauge", "Tasks by state.");
  for (const auto& [state, count] : records.tasks_by_state) {
    append_sample(out, "resonate_tasks", "state=\"" + state + "\"", count);
  }
  append_header(out, "resonate_requests_total", "counter", "Protocol requests by kind and status.");
  for (const auto& [key, count] : requests_) {
    append_sample(out, "resonate_requests_total",
                  "kind=\"" + key.first + "\",status=\"" + std::to_string(key.second) + "\"", count);
  }
  // rate(commits) is the store's syncs per second; requests / commits the mean batch size.
  append_header(out, "resonate_commits_total", "counter", "Store transactions committed for protocol requests.");
  append_sample(out, "resonate_commits_total", "", commits.commits);
  append_header(out, "resonate_committed_requests_total", "counter", "Protocol requests in those transactions.");
  append_sample(out, "resonate_committed_requests_total", "", commits.requests);
  append_header(out, "resonate_commit_batch_max", "gauge", "The most requests one transaction held.");
  append_sample(out, "resonate_commit_batch_max", "", commits.largest);
  append_header(out, "resonate_commit_takeovers_total", "counter",
                "Batches begun on another store connection because every busy one had held its batch for "
                "10 ms (a row another transaction holds, a slow statement).");
  append_sample(out, "resonate_commit_takeovers_total", "", commits.takeovers);
  append_header(out, "resonate_store_conflicts_total", "counter",
                "Transactions run again: lost a race with another replica's, or the database connection "
                "broke before the commit.");
  append_sample(out, "resonate_store_conflicts_total", "", conflicts);
  append_header(out, "resonate_commit_reruns_total", "counter",
                "Batches run again with a savepoint per request: one of their requests failed after it had "
                "changed something, or with an internal error.");
  append_sample(out, "resonate_commit_reruns_total", "", reruns);
  append_header(out, "resonate_messages_total", "counter", "Outgoing messages by transport and outcome.");
  for (const auto& [key, count] : deliveries_) {
    append_sample(out, "resonate_messages_total", "transport=\"" + key.first + "\",outcome=\"" + key.second + "\"",
                  count);
  }
  append_header(out, "resonate_outbox_takes_total", "counter",
                "Takes of the shared outbox (replicas) by whether they found messages; an empty take woke "
                "for messages another replica took first.");
  append_sample(out, "resonate_outbox_takes_total", "outcome=\"found\"", outbox_takes_found_);
  append_sample(out, "resonate_outbox_takes_total", "outcome=\"empty\"", outbox_takes_empty_);
  append_header(out, "resonate_sse_connections", "gauge", "Open SSE poll connections.");
  append_sample(out, "resonate_sse_connections", "", registry.size());
  // Bounded per stream (SseQueue); a stream that stops reading is cut instead of growing it.
  append_header(out, "resonate_sse_queued_bytes", "gauge", "Bytes of messages held in the queues of open SSE streams.");
  append_sample(out, "resonate_sse_queued_bytes", "", registry.queued_bytes());
  append_header(out, "resonate_parked_bytes", "gauge", "Bytes of messages parked for a stream that may take them.");
  append_sample(out, "resonate_parked_bytes", "", registry.parked_bytes());
  append_header(out, "resonate_sse_disconnects_total", "counter",
                "SSE streams ended, by reason (client_closed, queue_full, write_stalled, token_expired, shutdown).");
  for (const auto& [reason, count] : disconnects_) {
    append_sample(out, "resonate_sse_disconnects_total", "reason=\"" + reason + "\"", count);
  }
  const auto groups = registry.statuses();
  // A group with 0 workers and parked messages is a call that waits for a worker to connect.
  append_header(out, "resonate_group_workers", "gauge", "Connected SSE streams (workers) by group.");
  for (const auto& [group, gauge] : groups) {
    append_sample(out, "resonate_group_workers", "group=\"" + label_value(group) + "\"", gauge.workers);
  }
  append_header(out, "resonate_group_parked_messages", "gauge", "Messages waiting for a member of the group.");
  for (const auto& [group, gauge] : groups) {
    append_sample(out, "resonate_group_parked_messages", "group=\"" + label_value(group) + "\"", gauge.parked);
  }
  return out;
}

}  // namespace resonate::server
