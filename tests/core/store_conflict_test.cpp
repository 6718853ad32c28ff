// A transaction that loses a race with another server sharing the store (StoreConflict) is run
// again from the start by the core: a group-commit batch as a whole, each request answered as
// if alone and nothing written twice.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>

#include "core/core.hpp"
#include "core/operations.hpp"
#include "request_body.hpp"
#include "store/factories.hpp"

namespace {

namespace json = boost::json;
using namespace resonate::core;
using namespace resonate::wire;

constexpr std::int64_t kNow = 1700000000000;

// Where the store makes a transaction lose: `write` for put_promise of a promise with this id,
// or at commit. Each loss is taken once, in the order given.
struct Losses {
  std::vector<std::string> writes{};  // ids
  int commits = 0;
  bool always = false;  // every transaction loses at its first write
  // Not losses: put_task of a task with one of these ids throws a Failure (409), as the protocol
  // answers, after the request wrote its promise; every time.
  std::vector<std::string> refusals{};
  int begun = 0;  // transactions begun
};

// A memory store whose transactions throw StoreConflict where `losses` say, as a PostgreSQL
// store does when another server won a race.
class RacingStore final : public Store {
 public:
  explicit RacingStore(Losses losses) : inner_(resonate::store::make_memory_store()), losses_(std::move(losses)) {}

  std::unique_ptr<Transaction> begin() override {
    ++losses_.begun;
    return std::make_unique<RacingTransaction>(inner_->begin(), losses_);
  }
  bool ready() override { return true; }
  Losses& losses() { return losses_; }

 private:
  class RacingTransaction final : public Transaction {
   public:
    RacingTransaction(std::unique_ptr<Transaction> inner, Losses& losses) : t_(std::move(inner)), losses_(losses) {}

    void commit() override {
      if (losses_.commits > 0) {
        --losses_.commits;
        throw StoreConflict("lost at commit");
      }
      t_->commit();
    }
    std::uint64_t writes() const override { return t_->writes(); }
    std::optional<Promise> get_promise(std::string_view id) override { return t_->get_promise(id); }
    void put_promise(const Promise& promise) override {
      if (losses_.always) throw StoreConflict("lost again");
      if (!losses_.writes.empty() && losses_.writes.front() == promise.id) {
        losses_.writes.erase(losses_.writes.begin());
        throw StoreConflict("lost at the write of " + promise.id);
      }
      t_->put_promise(promise);
    }
    std::vector<Promise> search_promises(const PromiseQuery& query) override { return t_->search_promises(query); }
    std::vector<Promise> promises_in_branch(std::string_view branch) override { return t_->promises_in_branch(branch); }
    std::optional<Task> get_task(std::string_view id) override { return t_->get_task(id); }
    void put_task(const Task& task) override {
      if (std::find(losses_.refusals.begin(), losses_.refusals.end(), task.id) != losses_.refusals.end()) {
        throw Failure(409, "refused at the write of task " + task.id);
      }
      t_->put_task(task);
    }
    std::vector<Task> search_tasks(const TaskQuery& query) override { return t_->search_tasks(query); }
    void put_promise_timeout(const PromiseTimeout& timeout) override { t_->put_promise_timeout(timeout); }
    void delete_promise_timeout(std::string_view id) override { t_->delete_promise_timeout(id); }
    std::vector<PromiseTimeout> due_promise_timeouts(Millis now, std::size_t limit) override {
      return t_->due_promise_timeouts(now, limit);
    }
    void put_task_timeout(const TaskTimeout& timeout) override { t_->put_task_timeout(timeout); }
    void delete_task_timeout(std::string_view id) override { t_->delete_task_timeout(id); }
    std::vector<TaskTimeout> due_task_timeouts(Millis now, std::size_t limit) override {
      return t_->due_task_timeouts(now, limit);
    }
    void add_callback(const Callback& callback) override { t_->add_callback(callback); }
    std::vector<std::string> take_callbacks_on(std::string_view awaited) override { return t_->take_callbacks_on(awaited); }
    void delete_callbacks_of(std::string_view awaiter) override { t_->delete_callbacks_of(awaiter); }
    void add_listener(const Listener& listener) override { t_->add_listener(listener); }
    std::vector<std::string> take_listeners_on(std::string_view id) override { return t_->take_listeners_on(id); }
    std::optional<Schedule> get_schedule(std::string_view id) override { return t_->get_schedule(id); }
    void put_schedule(const Schedule& schedule) override { t_->put_schedule(schedule); }
    bool delete_schedule(std::string_view id) override { return t_->delete_schedule(id); }
    std::vector<Schedule> search_schedules(const ScheduleQuery& query) override { return t_->search_schedules(query); }
    std::vector<Schedule> due_schedules(Millis now, std::size_t limit) override { return t_->due_schedules(now, limit); }
    void savepoint() override { t_->savepoint(); }
    void release_savepoint() override { t_->release_savepoint(); }
    void rollback_to_savepoint() override { t_->rollback_to_savepoint(); }
    std::optional<Millis> next_deadline() override { return t_->next_deadline(); }
    void put_message(const OutboxMessage& message) override { t_->put_message(message); }
    std::vector<OutboxMessage> take_messages(std::size_t limit) override { return t_->take_messages(limit); }
    StateCounts count_by_state() override { return t_->count_by_state(); }
    std::vector<Promise> all_promises() override { return t_->all_promises(); }
    std::vector<Task> all_tasks() override { return t_->all_tasks(); }
    std::vector<PromiseTimeout> all_promise_timeouts() override { return t_->all_promise_timeouts(); }
    std::vector<TaskTimeout> all_task_timeouts() override { return t_->all_task_timeouts(); }
    std::vector<Callback> all_callbacks() override { return t_->all_callbacks(); }
    std::vector<Listener> all_listeners() override { return t_->all_listeners(); }
    std::vector<OutboxMessage> all_messages() override { return t_->all_messages(); }
    void clear() override { t_->clear(); }

   private:
    std::unique_ptr<Transaction> t_;
    Losses& losses_;
  };

  std::unique_ptr<Store> inner_;
  Losses losses_;
};

std::string create(const std::string& id) {
  return resonate::core_test::request_body(
      "promise.create",
      R"({"id":")" + id + R"(","timeoutAt":)" + std::to_string(kNow + 60000) + R"(,"tags":{"resonate:target":"poll://any@workers"}})",
      id);
}

std::string settle(const std::string& id) {
  return resonate::core_test::request_body("promise.settle", R"({"id":")" + id + R"(","state":"resolved","value":{}})",
                                           "settle-" + id);
}

std::vector<Reply> run(Core& core, const std::vector<std::string>& bodies) {
  std::vector<BatchedRequest> batch;
  for (const auto& body : bodies) batch.push_back({body});
  return core.apply_batch(kNow, batch);
}

std::vector<std::string> statuses(const std::vector<Reply>& replies) {
  std::vector<std::string> result;
  for (const auto& reply : replies) result.push_back(std::to_string(reply.status));
  return result;
}

// What the store holds: each promise's id and state, and the outbox's keys.
std::vector<std::string> contents(Store& store) {
  auto t = store.begin();
  std::vector<std::string> result;
  for (const auto& promise : t->all_promises()) result.push_back(promise.id + "=" + std::string(to_string(promise.state)));
  for (const auto& message : t->all_messages()) result.push_back(message.key);
  t->commit();
  return result;
}

}  // namespace

TEST_CASE("store conflict: a batch that loses a race in a later request runs again whole, each request as if alone") {
  RacingStore store({.writes = {"b"}});
  Core core(store);
  // The first run created "a" before the loss at "b": the rerun must not see it (it was rolled
  // back) and must answer "a" from its own creation, not as an existing promise.
  const auto replies = run(core, {create("a"), create("b"), settle("a"), settle("missing")});
  CHECK(statuses(replies) == std::vector<std::string>{"200", "200", "200", "404"});
  CHECK(core.conflicts() == 1);
  CHECK(contents(store) == std::vector<std::string>{"a=resolved", "b=pending", "execute:a", "execute:b"});
}

TEST_CASE("group commit without savepoints: a request refused before it changed anything costs no second run") {
  RacingStore store({});
  Core core(store);
  const auto replies = run(core, {create("a"), settle("missing"), create("c")});
  CHECK(statuses(replies) == std::vector<std::string>{"200", "404", "200"});
  CHECK(store.losses().begun == 1);
  CHECK(core.batch_reruns() == 0);
  CHECK(contents(store) == std::vector<std::string>{"a=pending", "c=pending", "execute:a", "execute:c"});
}

TEST_CASE("group commit without savepoints: a request refused after a write runs again in a savepoint, undone alone") {
  RacingStore store({.refusals = {"b"}});
  Core core(store);
  const auto replies = run(core, {create("a"), create("b"), create("c")});
  CHECK(statuses(replies) == std::vector<std::string>{"200", "409", "200"});
  CHECK(store.losses().begun == 2);  // the run without savepoints, then the one with
  CHECK(core.batch_reruns() == 1);
  CHECK(core.conflicts() == 0);
  // The promise "b" was written before the refusal: undone with its request only.
  CHECK(contents(store) == std::vector<std::string>{"a=pending", "c=pending", "execute:a", "execute:c"});
}

TEST_CASE("store conflict: a batch whose commit loses runs again, and nothing is written twice") {
  RacingStore store({.commits = 2});
  Core core(store);
  const auto replies = run(core, {create("a"), create("b")});
  CHECK(statuses(replies) == std::vector<std::string>{"200", "200"});
  CHECK(core.conflicts() == 2);
  CHECK(contents(store) == std::vector<std::string>{"a=pending", "b=pending", "execute:a", "execute:b"});
}

TEST_CASE("store conflict: the messages a batch takes come from its committed run only") {
  RacingStore store({.commits = 1});
  Core core(store);
  OutboxTake take;
  const std::vector<std::string> bodies = {create("a"), create("b")};
  std::vector<BatchedRequest> batch;
  for (const auto& body : bodies) batch.push_back({body});
  core.apply_batch(kNow, batch, &take);
  CHECK(core.conflicts() == 1);
  std::vector<std::string> keys;
  for (const auto& message : take.messages) keys.push_back(message.key);
  CHECK(keys == std::vector<std::string>{"execute:a", "execute:b"});
  CHECK(contents(store) == std::vector<std::string>{"a=pending", "b=pending"});
}

TEST_CASE("store conflict: a batch that loses every run answers 500 for each request, and nothing is written") {
  RacingStore store({.always = true});
  Core core(store);
  const auto replies = run(core, {create("a"), create("b")});
  CHECK(statuses(replies) == std::vector<std::string>{"500", "500"});
  CHECK(core.conflicts() == 10);
  CHECK(json::parse(replies[0].body).at("data").as_string().find("lost again") != std::string::npos);
  CHECK(contents(store).empty());
}

TEST_CASE("store conflict: a lone request and a tick run again too") {
  RacingStore store({.writes = {"lone"}});
  Core core(store);
  CHECK(core.apply(kNow, create("lone")).status == 200);
  CHECK(core.conflicts() == 1);
  CHECK(core.apply(kNow, create("timed")).status == 200);
  // The tick that times both out loses once at the settlement of the second, then settles both.
  store.losses().writes = {"timed"};
  core.tick(kNow + 60000);
  CHECK(core.conflicts() == 2);
  CHECK(contents(store) ==
        std::vector<std::string>{"lone=rejected_timedout", "timed=rejected_timedout", "execute:lone", "execute:timed"});
}
