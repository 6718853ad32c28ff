// The contract of core/store.hpp, checked against every store implementation.
#include <doctest/doctest.h>

#include <thread>
#include <tuple>

#include "store_backends.hpp"

using namespace resonate::core;
using namespace resonate::store;
using namespace resonate::wire;
using namespace resonate::test_support;

#define STORE_BACKENDS MemoryBackend, SqliteBackend, PostgresBackend

namespace {

Promise make_promise(std::string id, Tags tags = {}, PromiseState state = PromiseState::pending) {
  Promise promise;
  promise.id = std::move(id);
  promise.state = state;
  promise.tags = std::move(tags);
  promise.timeout_at = 5000;
  promise.created_at = 1000;
  return promise;
}

Task make_task(std::string id, TaskState state = TaskState::pending) {
  Task task;
  task.id = std::move(id);
  task.state = state;
  return task;
}

Schedule make_schedule(std::string id, Millis next_run_at, Tags promise_tags = {}) {
  Schedule schedule;
  schedule.id = std::move(id);
  schedule.cron = "*/5 * * * *";
  schedule.promise_id = "p.{{.id}}.{{.timestamp}}";
  schedule.promise_timeout = 60000;
  schedule.promise_tags = std::move(promise_tags);
  schedule.created_at = 100;
  schedule.next_run_at = next_run_at;
  return schedule;
}

template <typename Record>
std::vector<std::string> ids_of(const std::vector<Record>& records) {
  std::vector<std::string> ids;
  for (const auto& record : records) ids.push_back(record.id);
  return ids;
}

std::vector<std::string> keys_of(const std::vector<OutboxMessage>& messages) {
  std::vector<std::string> keys;
  for (const auto& message : messages) keys.push_back(message.key);
  return keys;
}

using Ids = std::vector<std::string>;

// Runs `change` in a committed transaction.
template <typename Change>
void committed(Store& store, Change change) {
  auto transaction = store.begin();
  change(*transaction);
  transaction->commit();
}

}  // namespace

TEST_CASE_TEMPLATE("promises are stored whole and replaced by id", Backend, STORE_BACKENDS) {
  Backend backend;
  auto store = open_or_skip(backend);
  if (!store) return;

  Promise full = make_promise("p1", {{"resonate:branch", "root"}, {"color", "red"}});
  full.state = PromiseState::resolved;
  full.param = Value{Tags{{"h", "1"}}, "cGFyYW0="};
  full.value = Value{std::nullopt, "dmFsdWU="};
  full.settled_at = 4321;
  Promise bare = make_promise("p2");
  bare.param = Value{Tags{}, std::nullopt};

  committed(*store, [&](Transaction& t) {
    CHECK_FALSE(t.get_promise("p1").has_value());
    t.put_promise(full);
    t.put_promise(bare);
    CHECK(t.get_promise("p1") == full);  // visible inside its own transaction
  });

  auto t = store->begin();
  CHECK(t->get_promise("p1") == full);
  CHECK(t->get_promise("p2") == bare);
  CHECK_FALSE(t->get_promise("p3").has_value());

  Promise replaced = full;
  replaced.state = PromiseState::rejected_canceled;
  replaced.tags = {{"resonate:branch", "other"}};
  replaced.settled_at = std::nullopt;
  t->put_promise(replaced);
  CHECK(t->get_promise("p1") == replaced);
  CHECK(t->all_promises() == std::vector<Promise>{replaced, bare});
  // Replacing moved the promise from one branch to the other.
  CHECK(t->promises_in_branch("root").empty());
  CHECK(ids_of(t->promises_in_branch("other")) == Ids{"p1"});
}

TEST_CASE_TEMPLATE("promises_in_branch returns the branch's promises ordered by id", Backend, STORE_BACKENDS) {
  Backend backend;
  auto store = open_or_skip(backend);
  if (!store) return;
  auto t = store->begin();
  t->put_promise(make_promise("c", {{"resonate:branch", "root"}}));
  t->put_promise(make_promise("root", {{"resonate:branch", "root"}}));
  t->put_promise(make_promise("a", {{"resonate:branch", "root"}}));
  t->put_promise(make_promise("b", {{"resonate:branch", "elsewhere"}}));
  t->put_promise(make_promise("d", {{"resonate:parent", "root"}}));
  CHECK(ids_of(t->promises_in_branch("root")) == Ids{"a", "c", "root"});
  CHECK(ids_of(t->promises_in_branch("elsewhere")) == Ids{"b"});
  CHECK(t->promises_in_branch("nothing").empty());
}

TEST_CASE_TEMPLATE("search_promises filters, orders by id and pages with cursor and limit", Backend, STORE_BACKENDS) {
  Backend backend;
  auto store = open_or_skip(backend);
  if (!store) return;
  auto t = store->begin();
  // Inserted out of order; "B" sorts before "a" bytewise.
  t->put_promise(make_promise("e", {{"kind", "x"}}, PromiseState::resolved));
  t->put_promise(make_promise("a", {{"kind", "x"}, {"resonate:branch", "r"}}));
  t->put_promise(make_promise("c", {{"kind", "y"}}));
  t->put_promise(make_promise("B", {{"kind", "x"}, {"extra", "1"}}));
  t->put_promise(make_promise("d", {{"kind", "x"}, {"resonate:branch", "r"}}, PromiseState::rejected));

  CHECK(ids_of(t->search_promises({})) == Ids{"B", "a", "c", "d", "e"});

  PromiseQuery pending;
  pending.state = PromiseState::pending;
  CHECK(ids_of(t->search_promises(pending)) == Ids{"B", "a", "c"});

  PromiseQuery tagged;
  tagged.tags = {{"kind", "x"}};
  CHECK(ids_of(t->search_promises(tagged)) == Ids{"B", "a", "d", "e"});
  tagged.tags = {{"kind", "x"}, {"extra", "1"}};
  CHECK(ids_of(t->search_promises(tagged)) == Ids{"B"});
  tagged.tags = {{"kind", "x"}, {"resonate:branch", "r"}};
  CHECK(ids_of(t->search_promises(tagged)) == Ids{"a", "d"});
  tagged.tags = {{"resonate:branch", "r"}};
  CHECK(ids_of(t->search_promises(tagged)) == Ids{"a", "d"});
  tagged.tags = {{"kind", "z"}};
  CHECK(t->search_promises(tagged).empty());

  PromiseQuery combined;
  combined.state = PromiseState::pending;
  combined.tags = {{"kind", "x"}};
  CHECK(ids_of(t->search_promises(combined)) == Ids{"B", "a"});

  // Pages: the limit counts matching rows only, the cursor excludes itself.
  PromiseQuery page;
  page.tags = {{"kind", "x"}};
  page.limit = 2;
  CHECK(ids_of(t->search_promises(page)) == Ids{"B", "a"});
  page.cursor = "a";
  CHECK(ids_of(t->search_promises(page)) == Ids{"d", "e"});
  page.cursor = "e";
  CHECK(t->search_promises(page).empty());

  PromiseQuery untagged_page;
  untagged_page.limit = 3;
  untagged_page.cursor = "B";
  CHECK(ids_of(t->search_promises(untagged_page)) == Ids{"a", "c", "d"});
  untagged_page.cursor = "bb";  // a cursor need not be an existing id
  CHECK(ids_of(t->search_promises(untagged_page)) == Ids{"c", "d", "e"});
  untagged_page.limit = 0;
  CHECK(t->search_promises(untagged_page).empty());
}

TEST_CASE_TEMPLATE("tasks are stored, replaced and searched", Backend, STORE_BACKENDS) {
  Backend backend;
  auto store = open_or_skip(backend);
  if (!store) return;
  auto t = store->begin();
  CHECK_FALSE(t->get_task("t1").has_value());
  Task acquired = make_task("t1", TaskState::acquired);
  acquired.version = 3;
  acquired.resumes = 2;
  acquired.ttl = 15000;
  acquired.pid = "worker-1";
  t->put_task(acquired);
  t->put_task(make_task("t3"));
  t->put_task(make_task("t2", TaskState::suspended));
  t->put_task(make_task("t0"));
  CHECK(t->get_task("t1") == acquired);

  Task released = acquired;
  released.state = TaskState::pending;
  released.ttl.reset();
  released.pid.reset();
  t->put_task(released);
  CHECK(t->get_task("t1") == released);

  CHECK(ids_of(t->all_tasks()) == Ids{"t0", "t1", "t2", "t3"});
  CHECK(ids_of(t->search_tasks({})) == Ids{"t0", "t1", "t2", "t3"});
  TaskQuery query;
  query.state = TaskState::pending;
  CHECK(ids_of(t->search_tasks(query)) == Ids{"t0", "t1", "t3"});
  query.cursor = "t0";
  query.limit = 1;
  CHECK(ids_of(t->search_tasks(query)) == Ids{"t1"});
  query.cursor = "t1";
  CHECK(ids_of(t->search_tasks(query)) == Ids{"t3"});
  query.state = TaskState::fulfilled;
  CHECK(t->search_tasks(query).empty());
}

TEST_CASE_TEMPLATE("count_by_state counts promises and tasks in each state, this transaction's writes included", Backend,
                   STORE_BACKENDS) {
  Backend backend;
  auto store = open_or_skip(backend);
  if (!store) return;
  committed(*store, [](Transaction& t) {
    t.put_promise(make_promise("p1"));
    t.put_promise(make_promise("p2", {}, PromiseState::resolved));
    t.put_promise(make_promise("p3"));
    t.put_task(make_task("t1", TaskState::suspended));
  });
  auto t = store->begin();
  CHECK(t->count_by_state().promises == std::map<PromiseState, std::uint64_t>{{PromiseState::pending, 2},
                                                                               {PromiseState::resolved, 1}});
  t->put_promise(make_promise("p1", {}, PromiseState::rejected_timedout));
  t->put_task(make_task("t2"));
  const auto counts = t->count_by_state();
  CHECK(counts.promises == std::map<PromiseState, std::uint64_t>{{PromiseState::pending, 1},
                                                                 {PromiseState::resolved, 1},
                                                                 {PromiseState::rejected_timedout, 1}});
  CHECK(counts.tasks == std::map<TaskState, std::uint64_t>{{TaskState::pending, 1}, {TaskState::suspended, 1}});
  t->clear();
  CHECK(t->count_by_state().promises.empty());
  CHECK(t->count_by_state().tasks.empty());
}

TEST_CASE_TEMPLATE("promise timeouts come due earliest first", Backend, STORE_BACKENDS) {
  Backend backend;
  auto store = open_or_skip(backend);
  if (!store) return;
  auto t = store->begin();
  t->put_promise_timeout({"c", 300});
  t->put_promise_timeout({"a", 200});
  t->put_promise_timeout({"b", 200});
  t->put_promise_timeout({"d", 100});
  t->put_promise_timeout({"d", 400});  // replaces the earlier one
  CHECK(t->all_promise_timeouts() ==
        std::vector<PromiseTimeout>{{"a", 200}, {"b", 200}, {"c", 300}, {"d", 400}});

  CHECK(t->due_promise_timeouts(199, 10).empty());
  CHECK(t->due_promise_timeouts(200, 10) == std::vector<PromiseTimeout>{{"a", 200}, {"b", 200}});
  CHECK(t->due_promise_timeouts(1000, 3) == std::vector<PromiseTimeout>{{"a", 200}, {"b", 200}, {"c", 300}});
  CHECK(t->due_promise_timeouts(1000, 0).empty());

  t->delete_promise_timeout("a");
  t->delete_promise_timeout("absent");
  CHECK(t->due_promise_timeouts(1000, 10) == std::vector<PromiseTimeout>{{"b", 200}, {"c", 300}, {"d", 400}});
}

TEST_CASE_TEMPLATE("next_deadline is the earliest promise timeout, task timeout or schedule run", Backend,
                   STORE_BACKENDS) {
  Backend backend;
  auto store = open_or_skip(backend);
  if (!store) return;
  auto t = store->begin();
  CHECK_FALSE(t->next_deadline().has_value());
  t->put_schedule(make_schedule("s", 500));
  CHECK(t->next_deadline() == 500);
  t->put_task_timeout({"t", TaskTimeoutType::lease, 400});
  CHECK(t->next_deadline() == 400);
  t->put_promise_timeout({"p", 300});
  t->put_promise_timeout({"q", 600});
  CHECK(t->next_deadline() == 300);
  t->delete_promise_timeout("p");
  CHECK(t->next_deadline() == 400);
  t->put_task_timeout({"t", TaskTimeoutType::retry, 700});  // replaces the lease
  CHECK(t->next_deadline() == 500);
  t->delete_schedule("s");
  t->delete_promise_timeout("q");
  CHECK(t->next_deadline() == 700);
  t->delete_task_timeout("t");
  CHECK_FALSE(t->next_deadline().has_value());
}

TEST_CASE_TEMPLATE("a rollback to the savepoint undoes the changes since it, and only those", Backend,
                   STORE_BACKENDS) {
  Backend backend;
  auto store = open_or_skip(backend);
  if (!store) return;
  {
    auto t = store->begin();
    t->put_promise_timeout({"kept-before", 100});
    t->savepoint();
    t->put_promise_timeout({"undone", 200});
    t->put_promise_timeout({"kept-before", 150});  // a change to an earlier write is undone too
    t->put_message({"k", "poll://any@g", "{}"});
    t->rollback_to_savepoint();
    t->savepoint();
    t->put_promise_timeout({"kept-after", 300});
    t->release_savepoint();
    t->commit();
  }
  auto t = store->begin();
  CHECK(t->all_promise_timeouts() == std::vector<PromiseTimeout>{{"kept-after", 300}, {"kept-before", 100}});
  CHECK(t->all_messages().empty());
}

TEST_CASE_TEMPLATE("task timeouts: one per task, due earliest first", Backend, STORE_BACKENDS) {
  Backend backend;
  auto store = open_or_skip(backend);
  if (!store) return;
  auto t = store->begin();
  t->put_task_timeout({"t2", TaskTimeoutType::retry, 50});
  t->put_task_timeout({"t1", TaskTimeoutType::retry, 10});
  t->put_task_timeout({"t1", TaskTimeoutType::lease, 70});  // a lease replaces the retry timer
  t->put_task_timeout({"t3", TaskTimeoutType::lease, 60});
  CHECK(t->all_task_timeouts() == std::vector<TaskTimeout>{{"t1", TaskTimeoutType::lease, 70},
                                                           {"t2", TaskTimeoutType::retry, 50},
                                                           {"t3", TaskTimeoutType::lease, 60}});
  CHECK(t->due_task_timeouts(49, 10).empty());
  CHECK(t->due_task_timeouts(65, 10) ==
        std::vector<TaskTimeout>{{"t2", TaskTimeoutType::retry, 50}, {"t3", TaskTimeoutType::lease, 60}});
  CHECK(t->due_task_timeouts(100, 1) == std::vector<TaskTimeout>{{"t2", TaskTimeoutType::retry, 50}});
  t->delete_task_timeout("t2");
  CHECK(t->due_task_timeouts(100, 10) ==
        std::vector<TaskTimeout>{{"t3", TaskTimeoutType::lease, 60}, {"t1", TaskTimeoutType::lease, 70}});
}

TEST_CASE_TEMPLATE("callbacks are idempotent and taken in awaiter order", Backend, STORE_BACKENDS) {
  Backend backend;
  auto store = open_or_skip(backend);
  if (!store) return;
  auto t = store->begin();
  t->add_callback({"p1", "t3"});
  t->add_callback({"p1", "t1"});
  t->add_callback({"p1", "t3"});
  t->add_callback({"p2", "t1"});
  t->add_callback({"p0", "t2"});
  CHECK(t->all_callbacks() == std::vector<Callback>{{"p0", "t2"}, {"p1", "t1"}, {"p1", "t3"}, {"p2", "t1"}});

  CHECK(t->take_callbacks_on("p1") == Ids{"t1", "t3"});
  CHECK(t->take_callbacks_on("p1").empty());
  CHECK(t->all_callbacks() == std::vector<Callback>{{"p0", "t2"}, {"p2", "t1"}});

  t->add_callback({"p3", "t1"});
  t->delete_callbacks_of("t1");
  CHECK(t->all_callbacks() == std::vector<Callback>{{"p0", "t2"}});
  t->delete_callbacks_of("nobody");
  CHECK(t->take_callbacks_on("p0") == Ids{"t2"});
  CHECK(t->all_callbacks().empty());
}

TEST_CASE_TEMPLATE("listeners are idempotent and taken in address order", Backend, STORE_BACKENDS) {
  Backend backend;
  auto store = open_or_skip(backend);
  if (!store) return;
  auto t = store->begin();
  t->add_listener({"p1", "poll://any@b"});
  t->add_listener({"p1", "poll://any@a"});
  t->add_listener({"p1", "poll://any@b"});
  t->add_listener({"p0", "http://127.0.0.1:1/x"});
  CHECK(t->all_listeners() ==
        std::vector<Listener>{{"p0", "http://127.0.0.1:1/x"}, {"p1", "poll://any@a"}, {"p1", "poll://any@b"}});
  CHECK(t->take_listeners_on("p1") == Ids{"poll://any@a", "poll://any@b"});
  CHECK(t->take_listeners_on("p1").empty());
  CHECK(t->all_listeners() == std::vector<Listener>{{"p0", "http://127.0.0.1:1/x"}});
}

TEST_CASE_TEMPLATE("reading ahead changes no answer, nor what the transaction's own writes do", Backend,
                   STORE_BACKENDS) {
  Backend backend;
  auto store = open_or_skip(backend);
  if (!store) return;
  committed(*store, [](Transaction& t) {
    t.put_promise(make_promise("p1"));
    t.put_task(make_task("p1"));
    t.put_promise(make_promise("p2"));
    t.add_callback({"p1", "t3"});
    t.add_callback({"p1", "t1"});
    t.add_callback({"p2", "t1"});
    t.add_listener({"p1", "poll://any@b"});
    t.put_promise(make_promise("p3"));
    t.put_task(make_task("p3"));
    t.add_callback({"p2", "p3"});  // the task p3 awaits p2
  });
  auto t = store->begin();
  // The first statements of a new connection (prepared in the same round trip); ids repeated,
  // unordered, absent.
  t->read_ahead({.records = {"absent", "p1", "p3"},
                 .promises = {"p2", "p1", "p2"},
                 .tasks = {"p3", "t9"},
                 .settlements = {"p1", "absent", "p3"},
                 .branches = {}});
  CHECK(t->get_promise("p1") == make_promise("p1"));
  CHECK(t->get_promise("p2") == make_promise("p2"));
  CHECK(t->get_task("p1") == make_task("p1"));
  CHECK_FALSE(t->get_task("p2"));
  CHECK_FALSE(t->get_promise("absent"));
  CHECK_FALSE(t->get_task("t9"));
  t->put_promise(make_promise("absent"));  // created after it was read as absent
  CHECK(t->get_promise("absent") == make_promise("absent"));

  t->add_callback({"p1", "t2"});
  t->delete_callbacks_of("t3");
  t->delete_callbacks_of("p3");   // read ahead: it has one
  t->add_callback({"p2", "p1"});  // read ahead with none, then given one
  t->delete_callbacks_of("p1");
  t->add_listener({"p1", "poll://any@a"});
  CHECK(t->take_callbacks_on("p1") == Ids{"t1", "t2"});
  CHECK(t->take_callbacks_on("p1").empty());
  CHECK(t->take_listeners_on("p1") == Ids{"poll://any@a", "poll://any@b"});
  CHECK(t->take_listeners_on("p1").empty());

  t->savepoint();
  t->add_callback({"p1", "t4"});
  t->put_promise(make_promise("p1", {}, PromiseState::resolved));
  t->rollback_to_savepoint();
  CHECK(t->get_promise("p1") == make_promise("p1"));
  CHECK(t->take_callbacks_on("p1").empty());
  t->commit();

  auto after = store->begin();
  CHECK(after->all_callbacks() == std::vector<Callback>{{"p2", "t1"}});
  CHECK(after->all_listeners().empty());
  CHECK(ids_of(after->all_promises()) == Ids{"absent", "p1", "p2", "p3"});
}

TEST_CASE_TEMPLATE("a branch listed ahead shows the transaction's own writes", Backend, STORE_BACKENDS) {
  Backend backend;
  auto store = open_or_skip(backend);
  if (!store) return;
  const Tags in_root{{"resonate:branch", "root"}};
  committed(*store, [&](Transaction& t) {
    t.put_promise(make_promise("root", in_root));
    t.put_promise(make_promise("root.2", in_root));
    t.put_promise(make_promise("elsewhere", {{"resonate:branch", "other"}}));
  });
  auto t = store->begin();
  t->read_ahead({.records = {"root"}, .promises = {}, .tasks = {}, .settlements = {}, .branches = {"root"}});
  CHECK(ids_of(t->promises_in_branch("root")) == Ids{"root", "root.2"});
  t->put_promise(make_promise("root.1", in_root));
  t->put_promise(make_promise("root.2", in_root, PromiseState::resolved));
  const auto listed = t->promises_in_branch("root");
  CHECK(ids_of(listed) == Ids{"root", "root.1", "root.2"});
  REQUIRE(listed.size() == 3);
  CHECK(listed[2].state == PromiseState::resolved);
  CHECK(ids_of(t->promises_in_branch("other")) == Ids{"elsewhere"});
  t->commit();
}

TEST_CASE_TEMPLATE("schedules are stored, deleted, searched and come due", Backend, STORE_BACKENDS) {
  Backend backend;
  auto store = open_or_skip(backend);
  if (!store) return;
  auto t = store->begin();
  Schedule full = make_schedule("s2", 500, {{"team", "a"}});
  full.promise_param = Value{Tags{{"k", "v"}}, "ZGF0YQ=="};
  full.last_run_at = 250;
  t->put_schedule(full);
  t->put_schedule(make_schedule("s1", 700, {{"team", "b"}}));
  t->put_schedule(make_schedule("s3", 500, {{"team", "a"}, {"tier", "1"}}));
  t->put_schedule(make_schedule("s0", 900));
  CHECK(t->get_schedule("s2") == full);
  CHECK_FALSE(t->get_schedule("s9").has_value());

  CHECK(ids_of(t->due_schedules(499, 10)).empty());
  CHECK(ids_of(t->due_schedules(700, 10)) == Ids{"s2", "s3", "s1"});
  CHECK(ids_of(t->due_schedules(700, 2)) == Ids{"s2", "s3"});

  Schedule moved = full;
  moved.next_run_at = 800;
  moved.last_run_at = 500;
  t->put_schedule(moved);
  CHECK(t->get_schedule("s2") == moved);
  CHECK(ids_of(t->due_schedules(1000, 10)) == Ids{"s3", "s1", "s2", "s0"});

  CHECK(ids_of(t->search_schedules({})) == Ids{"s0", "s1", "s2", "s3"});
  ScheduleQuery query;
  query.tags = {{"team", "a"}};
  CHECK(ids_of(t->search_schedules(query)) == Ids{"s2", "s3"});
  query.limit = 1;
  CHECK(ids_of(t->search_schedules(query)) == Ids{"s2"});
  query.cursor = "s2";
  CHECK(ids_of(t->search_schedules(query)) == Ids{"s3"});
  ScheduleQuery untagged;
  untagged.cursor = "s0";
  untagged.limit = 2;
  CHECK(ids_of(t->search_schedules(untagged)) == Ids{"s1", "s2"});

  CHECK(t->delete_schedule("s2"));
  CHECK_FALSE(t->delete_schedule("s2"));
  CHECK_FALSE(t->get_schedule("s2").has_value());
  CHECK(ids_of(t->due_schedules(1000, 10)) == Ids{"s3", "s1", "s0"});
}

TEST_CASE_TEMPLATE("the outbox is a queue in which a repeated key moves to the back", Backend, STORE_BACKENDS) {
  Backend backend;
  auto store = open_or_skip(backend);
  if (!store) return;
  auto t = store->begin();
  t->put_message({"execute:a", "poll://any@w", R"({"kind":"execute","v":1})"});
  t->put_message({"execute:b", "poll://any@w", R"({"kind":"execute"})"});
  t->put_message({"unblock:p:x", "http://127.0.0.1:9/", R"({"kind":"unblock"})"});
  t->put_message({"execute:a", "poll://any@v", R"({"kind":"execute","v":2})"});
  CHECK(t->all_messages() == std::vector<OutboxMessage>{
                                 {"execute:b", "poll://any@w", R"({"kind":"execute"})"},
                                 {"unblock:p:x", "http://127.0.0.1:9/", R"({"kind":"unblock"})"},
                                 {"execute:a", "poll://any@v", R"({"kind":"execute","v":2})"},
                             });
  CHECK(keys_of(t->take_messages(2)) == Ids{"execute:b", "unblock:p:x"});
  CHECK(keys_of(t->all_messages()) == Ids{"execute:a"});
  t->put_message({"execute:b", "poll://any@w", "{}"});
  CHECK(t->take_messages(0).empty());
  CHECK(keys_of(t->take_messages(10)) == Ids{"execute:a", "execute:b"});
  CHECK(t->take_messages(10).empty());
}

TEST_CASE_TEMPLATE("writes() counts every change a transaction makes, and no read", Backend, STORE_BACKENDS) {
  Backend backend;
  auto store = open_or_skip(backend);
  if (!store) return;
  committed(*store, [](Transaction& t) {
    t.put_promise(make_promise("old"));
    t.add_callback({"old", "t"});
    t.add_listener({"old", "poll://any@g"});
    t.put_schedule(make_schedule("s", 100));
    t.put_message({"m", "poll://any@g", "{}"});
  });
  auto t = store->begin();
  auto counted = t->writes();
  auto changed = [&] {
    const auto now = t->writes();
    const bool grew = now > counted;
    counted = now;
    return grew;
  };
  (void)t->get_promise("old");
  (void)t->get_task("old");
  (void)t->search_promises({});
  (void)t->due_promise_timeouts(1000, 10);
  (void)t->get_schedule("s");
  CHECK_FALSE(changed());
  t->put_promise(make_promise("p"));
  CHECK(changed());
  t->put_task(make_task("p"));
  CHECK(changed());
  t->put_promise_timeout({"p", 10});
  CHECK(changed());
  t->delete_promise_timeout("p");
  CHECK(changed());
  t->put_task_timeout({"p", TaskTimeoutType::retry, 10});
  CHECK(changed());
  t->delete_task_timeout("p");
  CHECK(changed());
  t->add_callback({"p", "t"});
  CHECK(changed());
  CHECK(t->take_callbacks_on("old") == Ids{"t"});
  CHECK(changed());
  t->delete_callbacks_of("t");
  CHECK(changed());
  t->add_listener({"p", "poll://any@g"});
  CHECK(changed());
  CHECK(t->take_listeners_on("old") == Ids{"poll://any@g"});
  CHECK(changed());
  t->put_schedule(make_schedule("s2", 100));
  CHECK(changed());
  CHECK(t->delete_schedule("s"));
  CHECK(changed());
  t->put_message({"m2", "poll://any@g", "{}"});
  CHECK(changed());
  CHECK(t->take_messages(1).size() == 1);
  CHECK(changed());
}

TEST_CASE_TEMPLATE("a take with the commit removes the oldest messages and commits the rest of the transaction",
                   Backend, STORE_BACKENDS) {
  Backend backend;
  auto store = open_or_skip(backend);
  if (!store) return;
  {
    auto t = store->begin();
    t->put_promise(make_promise("p"));
    t->put_message({"a", "poll://any@g", "{}"});
    t->put_message({"b", "http://127.0.0.1:9/hook", "{}"});
    t->put_message({"c", "poll://any@g", "{}"});
    CHECK(keys_of(t->take_messages_and_commit(nullptr, 2)) == Ids{"a", "b"});
  }
  auto t = store->begin();
  CHECK(ids_of(t->all_promises()) == Ids{"p"});
  CHECK(keys_of(t->all_messages()) == Ids{"c"});
}

TEST_CASE_TEMPLATE("a transaction destroyed without commit changes nothing", Backend, STORE_BACKENDS) {
  Backend backend;
  auto store = open_or_skip(backend);
  if (!store) return;
  committed(*store, [](Transaction& t) {
    t.put_promise(make_promise("kept", {{"resonate:branch", "kept"}}));
    t.put_task(make_task("kept"));
    t.put_promise_timeout({"kept", 10});
    t.put_task_timeout({"kept", TaskTimeoutType::retry, 10});
    t.add_callback({"kept", "kept"});
    t.add_listener({"kept", "poll://kept"});
    t.put_schedule(make_schedule("kept", 10));
    t.put_message({"m1", "a", "1"});
    t.put_message({"m2", "a", "2"});
  });
  auto snapshot = [&] {
    auto t = store->begin();
    return std::tuple{t->all_promises(),         t->all_tasks(),     t->all_promise_timeouts(),
                      t->all_task_timeouts(),    t->all_callbacks(), t->all_listeners(),
                      t->all_messages(),         t->search_schedules({}),
                      t->promises_in_branch("kept"), t->due_promise_timeouts(100, 10),
                      t->due_task_timeouts(100, 10), t->due_schedules(100, 10)};
  };
  auto before = snapshot();

  SUBCASE("changes to every table") {
    auto t = store->begin();
    Promise changed = make_promise("kept", {{"resonate:branch", "moved"}}, PromiseState::resolved);
    t->put_promise(changed);
    t->put_promise(make_promise("new", {{"resonate:branch", "kept"}}));
    Task task = make_task("kept", TaskState::acquired);
    task.version = 9;
    t->put_task(task);
    t->put_task(make_task("new"));
    t->put_promise_timeout({"kept", 99});
    t->put_promise_timeout({"new", 1});
    t->delete_task_timeout("kept");
    t->put_task_timeout({"new", TaskTimeoutType::lease, 1});
    CHECK(t->take_callbacks_on("kept") == Ids{"kept"});
    t->add_callback({"new", "new"});
    CHECK(t->take_listeners_on("kept") == Ids{"poll://kept"});
    t->add_listener({"new", "poll://new"});
    CHECK(t->delete_schedule("kept"));
    t->put_schedule(make_schedule("new", 1));
    t->put_message({"m1", "b", "moved to the back"});
    CHECK(t->take_messages(1).size() == 1);
    t->put_message({"m3", "a", "3"});
    CHECK(t->get_promise("kept") == changed);
  }
  SUBCASE("the same entries changed, removed and made again") {
    // The memory store's undo steps find their entries by pointer: a removed entry must come
    // back as the same entry before an earlier step restores it.
    auto t = store->begin();
    for (int round = 0; round < 2; ++round) {
      t->put_schedule(make_schedule("kept", 50 + round));
      CHECK(t->delete_schedule("kept"));
      t->put_schedule(make_schedule("kept", 60 + round));
      t->put_promise_timeout({"new", 5 + round});
      t->delete_promise_timeout("new");
      t->put_promise_timeout({"kept", 70 + round});
      t->delete_promise_timeout("kept");
      t->add_callback({"new", "new"});
      CHECK(t->take_callbacks_on("new") == Ids{"new"});
    }
    t->savepoint();
    CHECK(t->delete_schedule("kept"));
    t->rollback_to_savepoint();
    CHECK(t->due_schedules(100, 10).size() == 1);
  }
  SUBCASE("clear") {
    auto t = store->begin();
    t->put_promise(make_promise("new"));
    t->clear();
    CHECK(t->all_promises().empty());
    CHECK(t->all_messages().empty());
    t->put_promise(make_promise("after-clear"));
    t->put_message({"m9", "a", "9"});
  }

  CHECK(snapshot() == before);
  // The sequence of the outbox still works after the rollback.
  committed(*store, [](Transaction& t) { t.put_message({"m1", "a", "again"}); });
  auto t = store->begin();
  CHECK(keys_of(t->all_messages()) == Ids{"m2", "m1"});
}

TEST_CASE_TEMPLATE("committed changes are visible to later transactions; clear empties every table", Backend,
                   STORE_BACKENDS) {
  Backend backend;
  auto store = open_or_skip(backend);
  if (!store) return;
  committed(*store, [](Transaction& t) {
    t.put_promise(make_promise("p"));
    t.put_task(make_task("p"));
    t.put_promise_timeout({"p", 1});
    t.put_task_timeout({"p", TaskTimeoutType::retry, 1});
    t.add_callback({"p", "q"});
    t.add_listener({"p", "poll://x"});
    t.put_schedule(make_schedule("s", 1));
    t.put_message({"k", "a", "b"});
  });
  {
    auto t = store->begin();
    CHECK(t->get_promise("p").has_value());
    CHECK(t->get_task("p").has_value());
    CHECK(t->all_promise_timeouts().size() == 1);
    CHECK(t->all_task_timeouts().size() == 1);
    CHECK(t->all_callbacks().size() == 1);
    CHECK(t->all_listeners().size() == 1);
    CHECK(t->get_schedule("s").has_value());
    CHECK(t->all_messages().size() == 1);
    t->clear();
    t->commit();
    CHECK_THROWS_AS(t->get_promise("p"), StoreError);  // a finished transaction is not reusable
  }
  auto t = store->begin();
  CHECK(t->all_promises().empty());
  CHECK(t->all_tasks().empty());
  CHECK(t->all_promise_timeouts().empty());
  CHECK(t->all_task_timeouts().empty());
  CHECK(t->all_callbacks().empty());
  CHECK(t->all_listeners().empty());
  CHECK(t->search_schedules({}).empty());
  CHECK(t->all_messages().empty());
}

TEST_CASE_TEMPLATE("persistent stores keep committed data across reopening", Backend, STORE_BACKENDS) {
  if constexpr (Backend::persistent) {
    Backend backend;
    auto store = open_or_skip(backend);
    if (!store) return;
    Promise promise = make_promise("durable", {{"resonate:branch", "durable"}});
    promise.param = Value{Tags{{"content-type", "json"}}, "e30="};
    committed(*store, [&](Transaction& t) {
      t.put_promise(promise);
      t.put_promise_timeout({"durable", 5000});
      t.put_message({"a", "x", "1"});
      t.put_message({"b", "x", "2"});
    });
    {
      auto uncommitted = store->begin();
      uncommitted->put_promise(make_promise("lost"));
    }
    store.reset();

    auto reopened = backend.open_again();
    auto t = reopened->begin();
    CHECK(t->all_promises() == std::vector<Promise>{promise});
    CHECK(ids_of(t->promises_in_branch("durable")) == Ids{"durable"});
    CHECK(t->due_promise_timeouts(5000, 10) == std::vector<PromiseTimeout>{{"durable", 5000}});
    // The outbox sequence continues after reopening: a new message goes to the back.
    t->put_message({"c", "x", "3"});
    t->put_message({"a", "x", "4"});
    CHECK(keys_of(t->all_messages()) == Ids{"b", "c", "a"});
  }
}

TEST_CASE_TEMPLATE("transactions are serialised, also between stores sharing the storage", Backend, STORE_BACKENDS) {
  Backend backend;
  auto first = open_or_skip(backend);
  if (!first) return;
  auto second = backend.open_again();
  Store& other = second ? *second : *first;
  committed(*first, [](Transaction& t) { t.put_task(make_task("counter")); });

  // Read-modify-write increments: a lost update would show as a smaller count.
  constexpr int increments = 40;
  auto increment = [](Store& store) {
    for (int i = 0; i < increments; ++i) {
      auto t = store.begin();
      auto counter = t->get_task("counter").value();
      ++counter.version;
      t->put_task(counter);
      t->commit();
    }
  };
  std::thread a(increment, std::ref(*first));
  std::thread b(increment, std::ref(other));
  a.join();
  b.join();
  auto t = first->begin();
  CHECK(t->get_task("counter")->version == 2 * increments);
}
