// The in-memory store: ordered maps behind one mutex. A transaction holds the mutex for its
// whole life and records an undo step for every change, so rollback costs only what the
// transaction touched.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <memory_resource>
#include <mutex>
#include <new>
#include <set>
#include <utility>
#include <vector>

#include "store/factories.hpp"
#include "store/tag_filter.hpp"

namespace resonate::store {

// The store's rows are the protocol's records (wire::Promise, wire::Task, ...).
using namespace resonate::wire;

namespace {

using Pair = std::pair<std::string, std::string>;
using TimeIndex = std::set<std::pair<Millis, std::string>>;

template <typename Record>
using Table = std::map<std::string, Record, std::less<>>;

struct Tables {
  Table<Promise> promises;
  std::set<Pair> promises_by_branch;  // (branch, promise id)
  Table<Task> tasks;
  Table<PromiseTimeout> promise_timeouts;
  TimeIndex promise_timeouts_by_time;
  Table<TaskTimeout> task_timeouts;
  TimeIndex task_timeouts_by_time;
  std::set<Pair> callbacks;             // (awaited, awaiter)
  std::set<Pair> callbacks_by_awaiter;  // (awaiter, awaited)
  std::set<Pair> listeners;             // (promise id, address)
  Table<Schedule> schedules;
  TimeIndex schedules_by_next_run;
  std::map<std::uint64_t, OutboxMessage> outbox;  // by arrival sequence
  Table<std::uint64_t> outbox_by_key;
  // Never rolled back: a sequence number skipped by a rollback costs nothing.
  std::uint64_t next_sequence = 0;
};

// Steps that restore the state before the transaction, replayed newest first. One log serves
// the store's transactions in turn (each holds the store's mutex) and keeps its memory, so a
// step costs no allocation once the log has grown to a transaction's size. A step holds what
// it restores by move (the replaced record, the removed node) and finds what it takes back by
// a pointer to the element: undoing copies nothing. Those pointers stay valid because nothing
// is freed before the log forgets: a removal keeps its node in its own step.
class UndoLog {
 public:
  UndoLog() : buffer_(std::make_unique<std::byte[]>(kInitialBytes)), arena_(buffer_.get(), kInitialBytes) {}
  UndoLog(const UndoLog&) = delete;
  UndoLog& operator=(const UndoLog&) = delete;
  ~UndoLog() { forget(); }

  template <typename Undo>
  void record(Undo undo) {
    steps_.push_back(nullptr);  // first, so that a failed push leaves nothing half made
    void* place = arena_.allocate(sizeof(Held<Undo>), alignof(Held<Undo>));
    steps_.back() = new (place) Held<Undo>(std::move(undo));
    ++recorded_;
  }
  // Keeps the changes: drops the steps (and what they held) and reuses their memory.
  void forget() {
    for (auto* step : steps_) destroy(step);
    steps_.clear();
    arena_.release();
  }
  // Undoes the steps recorded after the first `kept` (all by default).
  void replay(std::size_t kept = 0) {
    while (steps_.size() > kept) {
      if (auto* step = steps_.back()) step->undo();
      destroy(steps_.back());
      steps_.pop_back();
    }
    if (steps_.empty()) arena_.release();
  }
  std::size_t size() const { return steps_.size(); }
  // Steps recorded since the log was made, undone ones included: one per change.
  std::uint64_t recorded() const { return recorded_; }

 private:
  static constexpr std::size_t kInitialBytes = 64 * 1024;
  struct Step {
    virtual void undo() = 0;
    virtual ~Step() = default;
  };
  template <typename Undo>
  struct Held final : Step {
    explicit Held(Undo undo) : undo_(std::move(undo)) {}
    void undo() override { undo_(); }
    Undo undo_;
  };
  // The arena's memory is released as a whole; each step's destructor still runs.
  static void destroy(Step* step) {
    if (step) step->~Step();
  }

  std::unique_ptr<std::byte[]> buffer_;
  std::pmr::monotonic_buffer_resource arena_;
  std::vector<Step*> steps_;
  std::uint64_t recorded_ = 0;
};

class MemoryTransaction final : public core::Transaction {
 public:
  MemoryTransaction(std::mutex& mutex, Tables& tables, UndoLog& undo)
      : lock_(mutex), tables_(tables), undo_(undo), recorded_before_(undo.recorded()) {}

  ~MemoryTransaction() override {
    if (!finished_) undo_.replay();
  }

  // Every change records its undo step.
  std::uint64_t writes() const override { return undo_.recorded() - recorded_before_; }

  void commit() override {
    check_open();
    undo_.forget();
    finished_ = true;
    lock_.unlock();
  }

  // --- promises -------------------------------------------------------------------------
  std::optional<Promise> get_promise(std::string_view id) override {
    check_open();
    return find(tables_.promises, id);
  }

  bool promise_due(std::string_view id, Millis now) override {
    check_open();
    const auto found = tables_.promises.find(id);
    return found != tables_.promises.end() && found->second.pending() && found->second.timeout_at <= now;
  }

  void put_promise(const Promise& promise) override {
    check_open();
    const auto old = tables_.promises.find(promise.id);
    const bool had_branch = old != tables_.promises.end() && old->second.has_tag(tag::branch);
    const bool has_branch = promise.has_tag(tag::branch);
    // A settlement keeps the branch: the index entry stays as it is.
    if (!(had_branch && has_branch && old->second.tag(tag::branch) == promise.tag(tag::branch))) {
      if (had_branch) erase(tables_.promises_by_branch, Pair{std::string(old->second.tag(tag::branch)), promise.id});
      if (has_branch) insert(tables_.promises_by_branch, Pair{std::string(promise.tag(tag::branch)), promise.id});
    }
    assign(tables_.promises, promise.id, promise);
  }

  std::vector<Promise> search_promises(const core::PromiseQuery& query) override {
    check_open();
    std::vector<Promise> found;
    if (query.limit == 0) return found;
    auto it = query.cursor ? tables_.promises.upper_bound(*query.cursor) : tables_.promises.begin();
    for (; it != tables_.promises.end() && found.size() < query.limit; ++it) {
      const Promise& promise = it->second;
      if (query.state && promise.state != *query.state) continue;
      if (!tags_include(promise.tags, query.tags)) continue;
      found.push_back(promise);
    }
    return found;
  }

  std::vector<Promise> promises_in_branch(std::string_view branch) override {
    check_open();
    std::vector<Promise> found;
    for (auto it = tables_.promises_by_branch.lower_bound(Pair{std::string(branch), ""});
         it != tables_.promises_by_branch.end() && it->first == branch; ++it) {
      found.push_back(tables_.promises.at(it->second));
    }
    return found;
  }

  // --- tasks ----------------------------------------------------------------------------
  std::optional<Task> get_task(std::string_view id) override {
    check_open();
    return find(tables_.tasks, id);
  }

  void put_task(const Task& task) override {
    check_open();
    assign(tables_.tasks, task.id, task);
  }

  std::vector<Task> search_tasks(const core::TaskQuery& query) override {
    check_open();
    std::vector<Task> found;
    if (query.limit == 0) return found;
    auto it = query.cursor ? tables_.tasks.upper_bound(*query.cursor) : tables_.tasks.begin();
    for (; it != tables_.tasks.end() && found.size() < query.limit; ++it) {
      if (query.state && it->second.state != *query.state) continue;
      found.push_back(it->second);
    }
    return found;
  }

  // --- promise timeouts -----------------------------------------------------------------
  void put_promise_timeout(const PromiseTimeout& timeout) override {
    check_open();
    put_timed(tables_.promise_timeouts, tables_.promise_timeouts_by_time, timeout);
  }

  void delete_promise_timeout(std::string_view id) override {
    check_open();
    delete_timed(tables_.promise_timeouts, tables_.promise_timeouts_by_time, id);
  }

  std::vector<PromiseTimeout> due_promise_timeouts(Millis now, std::size_t limit) override {
    check_open();
    return due(tables_.promise_timeouts, tables_.promise_timeouts_by_time, now, limit);
  }

  // --- task timeouts --------------------------------------------------------------------
  void put_task_timeout(const TaskTimeout& timeout) override {
    check_open();
    put_timed(tables_.task_timeouts, tables_.task_timeouts_by_time, timeout);
  }

  void delete_task_timeout(std::string_view id) override {
    check_open();
    delete_timed(tables_.task_timeouts, tables_.task_timeouts_by_time, id);
  }

  std::vector<TaskTimeout> due_task_timeouts(Millis now, std::size_t limit) override {
    check_open();
    return due(tables_.task_timeouts, tables_.task_timeouts_by_time, now, limit);
  }

  // --- callbacks ------------------------------------------------------------------------
  void add_callback(const Callback& callback) override {
    check_open();
    insert(tables_.callbacks, Pair{callback.awaited, callback.awaiter});
    insert(tables_.callbacks_by_awaiter, Pair{callback.awaiter, callback.awaited});
  }

  std::vector<std::string> take_callbacks_on(std::string_view awaited) override {
    check_open();
    std::vector<std::string> awaiters;
    for (const auto& [key, awaiter] : entries_with_first(tables_.callbacks, awaited)) awaiters.push_back(awaiter);
    for (const auto& awaiter : awaiters) {
      erase(tables_.callbacks, Pair{std::string(awaited), awaiter});
      erase(tables_.callbacks_by_awaiter, Pair{awaiter, std::string(awaited)});
    }
    return awaiters;
  }

  void delete_callbacks_of(std::string_view awaiter) override {
    check_open();
    for (const auto& [key, awaited] : entries_with_first(tables_.callbacks_by_awaiter, awaiter)) {
      erase(tables_.callbacks, Pair{awaited, std::string(awaiter)});
      erase(tables_.callbacks_by_awaiter, Pair{std::string(awaiter), awaited});
    }
  }

  // --- listeners ------------------------------------------------------------------------
  void add_listener(const Listener& listener) override {
    check_open();
    insert(tables_.listeners, Pair{listener.id, listener.address});
  }

  std::vector<std::string> take_listeners_on(std::string_view id) override {
    check_open();
    std::vector<std::string> addresses;
    for (const auto& [key, address] : entries_with_first(tables_.listeners, id)) addresses.push_back(address);
    for (const auto& address : addresses) erase(tables_.listeners, Pair{std::string(id), address});
    return addresses;
  }

  // --- schedules ------------------------------------------------------------------------
  std::optional<Schedule> get_schedule(std::string_view id) override {
    check_open();
    return find(tables_.schedules, id);
  }

  void put_schedule(const Schedule& schedule) override {
    check_open();
    if (auto old = tables_.schedules.find(schedule.id); old != tables_.schedules.end()) {
      erase(tables_.schedules_by_next_run, std::pair{old->second.next_run_at, schedule.id});
    }
    insert(tables_.schedules_by_next_run, std::pair{schedule.next_run_at, schedule.id});
    assign(tables_.schedules, schedule.id, schedule);
  }

  bool delete_schedule(std::string_view id) override {
    check_open();
    auto old = tables_.schedules.find(id);
    if (old == tables_.schedules.end()) return false;
    erase(tables_.schedules_by_next_run, std::pair{old->second.next_run_at, old->first});
    remove(tables_.schedules, id);
    return true;
  }

  std::vector<Schedule> search_schedules(const core::ScheduleQuery& query) override {
    check_open();
    std::vector<Schedule> found;
    if (query.limit == 0) return found;
    auto it = query.cursor ? tables_.schedules.upper_bound(*query.cursor) : tables_.schedules.begin();
    for (; it != tables_.schedules.end() && found.size() < query.limit; ++it) {
      if (tags_include(it->second.promise_tags, query.tags)) found.push_back(it->second);
    }
    return found;
  }

  std::vector<Schedule> due_schedules(Millis now, std::size_t limit) override {
    check_open();
    std::vector<Schedule> found;
    for (auto it = tables_.schedules_by_next_run.begin();
         it != tables_.schedules_by_next_run.end() && it->first <= now && found.size() < limit; ++it) {
      found.push_back(tables_.schedules.at(it->second));
    }
    return found;
  }

  // --- savepoints -------------------------------------------------------------------------
  void savepoint() override {
    check_open();
    savepoint_ = undo_.size();
  }

  void release_savepoint() override {
    check_open();
    savepoint_.reset();
  }

  void rollback_to_savepoint() override {
    check_open();
    if (!savepoint_) throw core::StoreError("no savepoint to roll back to");
    undo_.replay(*savepoint_);
    savepoint_.reset();
  }

  // --- deadlines -------------------------------------------------------------------------
  std::optional<Millis> next_deadline() override {
    check_open();
    std::optional<Millis> earliest;
    for (const auto* index :
         {&tables_.promise_timeouts_by_time, &tables_.task_timeouts_by_time, &tables_.schedules_by_next_run}) {
      if (!index->empty() && (!earliest || index->begin()->first < *earliest)) earliest = index->begin()->first;
    }
    return earliest;
  }

  // --- outbox ---------------------------------------------------------------------------
  void put_message(const OutboxMessage& message) override {
    check_open();
    if (auto old = tables_.outbox_by_key.find(message.key); old != tables_.outbox_by_key.end()) {
      remove(tables_.outbox, old->second);
    }
    auto sequence = tables_.next_sequence++;
    assign(tables_.outbox, sequence, message);
    assign(tables_.outbox_by_key, message.key, sequence);
  }

  std::vector<OutboxMessage> take_messages(std::size_t limit) override {
    check_open();
    std::vector<OutboxMessage> taken;
    while (taken.size() < limit && !tables_.outbox.empty()) {
      auto oldest = tables_.outbox.begin();
      taken.push_back(oldest->second);
      remove(tables_.outbox_by_key, oldest->second.key);
      remove(tables_.outbox, oldest->first);
    }
    return taken;
  }

  // --- whole-state views and reset ------------------------------------------------------
  core::StateCounts count_by_state() override {
    check_open();
    core::StateCounts counts;
    for (const auto& [id, promise] : tables_.promises) ++counts.promises[promise.state];
    for (const auto& [id, task] : tables_.tasks) ++counts.tasks[task.state];
    return counts;
  }

  std::vector<Promise> all_promises() override {
    check_open();
    return values_of(tables_.promises);
  }

  std::vector<Task> all_tasks() override {
    check_open();
    return values_of(tables_.tasks);
  }

  std::vector<PromiseTimeout> all_promise_timeouts() override {
    check_open();
    return values_of(tables_.promise_timeouts);
  }

  std::vector<TaskTimeout> all_task_timeouts() override {
    check_open();
    return values_of(tables_.task_timeouts);
  }

  std::vector<Callback> all_callbacks() override {
    check_open();
    std::vector<Callback> all;
    for (const auto& [awaited, awaiter] : tables_.callbacks) all.push_back(Callback{awaited, awaiter});
    return all;
  }

  std::vector<Listener> all_listeners() override {
    check_open();
    std::vector<Listener> all;
    for (const auto& [id, address] : tables_.listeners) all.push_back(Listener{id, address});
    return all;
  }

  std::vector<OutboxMessage> all_messages() override {
    check_open();
    return values_of(tables_.outbox);
  }

  void clear() override {
    check_open();
    // Moving the tables out is cheap; the undo step moves them back.
    auto saved = std::make_shared<Tables>(std::move(tables_));
    tables_ = Tables{};
    tables_.next_sequence = saved->next_sequence;
    undo_.record([this, saved] {
      auto next_sequence = tables_.next_sequence;
      tables_ = std::move(*saved);
      tables_.next_sequence = next_sequence;
    });
  }

 private:
  void check_open() const {
    if (finished_) throw core::StoreError("transaction used after commit");
  }

  template <typename Map, typename Key>
  static std::optional<typename Map::mapped_type> find(const Map& map, const Key& key) {
    auto it = map.find(key);
    if (it == map.end()) return std::nullopt;
    return it->second;
  }

  template <typename Map>
  static std::vector<typename Map::mapped_type> values_of(const Map& map) {
    std::vector<typename Map::mapped_type> values;
    values.reserve(map.size());
    for (const auto& [key, value] : map) values.push_back(value);
    return values;
  }

  // The (first, second) pairs of `set` whose first element is `first`, copied so that the
  // caller may erase them while iterating.
  static std::vector<Pair> entries_with_first(const std::set<Pair>& set, std::string_view first) {
    std::vector<Pair> entries;
    for (auto it = set.lower_bound(Pair{std::string(first), ""}); it != set.end() && it->first == first; ++it) {
      entries.push_back(*it);
    }
    return entries;
  }

  // --- primitive changes, each with its undo step ---------------------------------------
  template <typename Map>
  void assign(Map& map, const typename Map::key_type& key, typename Map::mapped_type value) {
    auto it = map.find(key);
    if (it == map.end()) {
      it = map.emplace(key, std::move(value)).first;
      undo_.record([&map, added = &it->first] { map.erase(map.find(*added)); });
    } else {
      // The old record moves into the undo step (and back on rollback): no copy.
      undo_.record([slot = &it->second, old = std::move(it->second)]() mutable { *slot = std::move(old); });
      it->second = std::move(value);
    }
  }

  template <typename Map, typename Key>
  void remove(Map& map, const Key& key) {
    auto it = map.find(key);
    if (it == map.end()) return;
    undo_.record([&map, node = map.extract(it)]() mutable { map.insert(std::move(node)); });
  }

  template <typename Set>
  void insert(Set& set, typename Set::value_type value) {
    auto [it, inserted] = set.insert(std::move(value));
    if (inserted) undo_.record([&set, added = &*it] { set.erase(set.find(*added)); });
  }

  template <typename Set>
  void erase(Set& set, const typename Set::value_type& value) {
    if (auto node = set.extract(value)) {
      undo_.record([&set, node = std::move(node)]() mutable { set.insert(std::move(node)); });
    }
  }

  template <typename Timeout>
  void put_timed(Table<Timeout>& table, TimeIndex& by_time, const Timeout& timeout) {
    if (auto old = table.find(timeout.id); old != table.end()) erase(by_time, std::pair{old->second.timeout, timeout.id});
    insert(by_time, std::pair{timeout.timeout, timeout.id});
    assign(table, timeout.id, timeout);
  }

  template <typename Timeout>
  void delete_timed(Table<Timeout>& table, TimeIndex& by_time, std::string_view id) {
    auto old = table.find(id);
    if (old == table.end()) return;
    erase(by_time, std::pair{old->second.timeout, old->first});
    remove(table, id);
  }

  template <typename Timeout>
  static std::vector<Timeout> due(const Table<Timeout>& table, const TimeIndex& by_time, Millis now,
                                  std::size_t limit) {
    std::vector<Timeout> found;
    for (auto it = by_time.begin(); it != by_time.end() && it->first <= now && found.size() < limit; ++it) {
      found.push_back(table.at(it->second));
    }
    return found;
  }

  std::unique_lock<std::mutex> lock_;
  Tables& tables_;
  UndoLog& undo_;  // the store's, empty when the transaction begins
  std::uint64_t recorded_before_;  // undo_.recorded() then
  std::optional<std::size_t> savepoint_;  // the undo log's length at savepoint()
  bool finished_ = false;
};

class MemoryStore final : public core::Store {
 public:
  std::unique_ptr<core::Transaction> begin() override {
    return std::make_unique<MemoryTransaction>(mutex_, tables_, undo_);
  }
  bool ready() override { return true; }

 private:
  std::mutex mutex_;
  Tables tables_;
  UndoLog undo_;  // used by one transaction at a time, under mutex_
};

}  // namespace

std::unique_ptr<core::Store> make_memory_store() { return std::make_unique<MemoryStore>(); }

}  // namespace resonate::store
