// One execution pass of a task: the function runs from the top, every durable call is a
// checkpoint read from the cache (preload) or created through `task.fence`, pending remote
// dependencies are collected, and the worker then fulfils or suspends the task.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "resonate/detail/engine.hpp"
#include "sdk/call_identity.hpp"
#include "sdk/ids.hpp"
#include "sdk/pass_thread.hpp"
#include "wire/records.hpp"
#include "wire/requests.hpp"
#include "wire/responses.hpp"

namespace resonate::detail {

class Runtime;

// Checkpoints known to this worker, by promise id (preload plus every fence answer).
using Checkpoints = std::unordered_map<std::string, wire::Promise>;

// The settled checkpoints of one execution's calls by position: `at[seq]` is the settled
// record whose id is child_id(parent, seq), or null. The replay fast path reads a call's
// record here without spelling its id or hashing it. The records are the pass's own: settled
// records never change, and they stay where they are until take_checkpoints().
struct Positions {
  std::vector<const wire::Promise*> at;
  const wire::Promise* find(std::uint64_t seq) const { return seq < at.size() ? at[seq] : nullptr; }
};

class Pass : public std::enable_shared_from_this<Pass> {
 public:
  Pass(std::shared_ptr<Runtime> runtime, std::string task_id, std::int64_t version,
       boost::asio::any_io_executor executor, Checkpoints checkpoints);

  Runtime& runtime() { return *runtime_; }

  // How this execution's call ids are spelled (sdk/ids.hpp): decided once, from the records it
  // had when its function made its first call (a Rust-started execution keeps the Rust ids).
  sdk::IdGrammar id_grammar();
  boost::asio::any_io_executor executor() const { return executor_; }

  // The settled checkpoint `id`, or the pending local step `id` found in the cache.
  const wire::Promise* cached(const std::string& id) const;
  // The settled checkpoints whose ids are `prefix` (sdk::child_prefix) followed by a position,
  // kept up to date as records arrive; the reference stays valid for the pass's life.
  const Positions& positions(std::string prefix);

  // Creates a child promise (or reads it back: creation is idempotent) through task.fence.
  // A settled cached record is returned without a request: settled promises never change.
  // The record is the pass's own (never null): read it before the pass moves on, it is not
  // a copy.
  boost::asio::awaitable<const wire::Promise*> create(wire::PromiseCreate creation);
  // Settles a local child through task.fence; the stored record, as create's.
  boost::asio::awaitable<const wire::Promise*> settle(const std::string& id, const Outcome& outcome);

  // The highest position among the children of `parent` that exist now (-1 when none), read
  // with promise.search. A failure fails the pass (it is executed again), like a fence. A
  // server without search (501) gets an approximation instead: the furthest child this pass
  // knows of, or position `from` when promise.get finds it.
  boost::asio::awaitable<std::int64_t> furthest_child(const std::string& parent, std::uint64_t from);

  // Records a pending remote dependency: the task suspends on it at the end of the pass.
  void depend_on(const std::string& id);
  const std::vector<std::string>& dependencies() const { return dependencies_; }

  // Marks the pass as failed (lost lease, platform error): nothing more is written and the
  // task is released. The caller then abandons its thread (pass_thread.hpp).
  void fail(std::string reason);
  bool failed() const { return failure_.has_value(); }
  const std::string& failure() const { return *failure_; }

  // Compares the call a recorded checkpoint says it was (call_identity.hpp) with the call the
  // code makes now at its position. On a mismatch the pass fails as non-deterministic and the
  // caller abandons its thread: user code never runs past a call it did not make before.
  bool identity_matches(const wire::Promise& recorded, const sdk::CallIdentity& current);
  // True when the pass failed because its replay diverged from the recorded execution.
  bool nondeterministic() const { return nondeterministic_; }

  // Starts a thread of this pass (the function, or a step it spawns) on the pass's executor.
  std::shared_ptr<PassThread> spawn(std::string id, boost::asio::awaitable<Outcome> body);
  // Waits until every spawned step has ended (they may spawn more meanwhile).
  boost::asio::awaitable<void> drain();

  // The checkpoints, handed to the next pass of the same task; this pass then knows none.
  Checkpoints take_checkpoints();
  void merge_preload(const wire::PreloadRecords& preload);

 private:
  boost::asio::awaitable<std::int64_t> furthest_child_without_search(const std::string& parent, std::uint64_t from);
  // Runs one promise operation under the task's lease; the resulting record. sent_fence: the
  // same through the network's send() (a remote server).
  boost::asio::awaitable<const wire::Promise*> fence(wire::TaskFence request);
  boost::asio::awaitable<const wire::Promise*> sent_fence(wire::TaskFence request);
  // Stores a record (new or updated) in the checkpoints and indexes it by position.
  const wire::Promise& remember(wire::Promise promise);
  void index_position(const wire::Promise& record);

  std::shared_ptr<Runtime> runtime_;
  std::string task_id_;
  std::int64_t version_;
  boost::asio::any_io_executor executor_;
  Checkpoints checkpoints_;
  // By sdk::child_prefix, looked up by string_view (each arriving record is indexed).
  struct PrefixHash : std::hash<std::string_view> {
    using is_transparent = void;
  };
  std::unordered_map<std::string, Positions, PrefixHash, std::equal_to<>> positions_;
  std::pair<const std::string, Positions>* last_indexed_ = nullptr;
  std::vector<std::string> dependencies_;
  std::optional<std::string> failure_;
  bool nondeterministic_ = false;
  std::vector<std::shared_ptr<PassThread>> spawned_;
  std::optional<sdk::IdGrammar> id_grammar_;
};

}  // namespace resonate::detail
