#include "sdk/pass.hpp"

#include <algorithm>
#include <optional>

#include <boost/json/value.hpp>

#include "resonate/errors.hpp"
#include "sdk/call_identity.hpp"
#include "sdk/ids.hpp"
#include "sdk/runtime.hpp"
#include "sdk/wire.hpp"
#include "wire/json_codec.hpp"
#include "wire/requests.hpp"
#include "wire/responses.hpp"

namespace resonate::detail {

namespace asio = boost::asio;
namespace json = boost::json;

Pass::Pass(std::shared_ptr<Runtime> runtime, std::string task_id, std::int64_t version,
           asio::any_io_executor executor, Checkpoints checkpoints)
    : runtime_(std::move(runtime)),
      task_id_(std::move(task_id)),
      version_(version),
      executor_(std::move(executor)),
      checkpoints_(std::move(checkpoints)) {
  for (const auto& [id, record] : checkpoints_) index_position(record);
}

const wire::Promise* Pass::cached(const std::string& id) const {
  auto found = checkpoints_.find(id);
  return found == checkpoints_.end() ? nullptr : &found->second;
}

const Positions& Pass::positions(std::string prefix) {
  return positions_.try_emplace(std::move(prefix)).first->second;
}

Checkpoints Pass::take_checkpoints() {
  for (auto& [prefix, positions] : positions_) positions.at.clear();
  return std::exchange(checkpoints_, {});
}

const wire::Promise& Pass::remember(wire::Promise promise) {
  // The key is copied from the record before the record is moved (pair members in order), and
  // not at all when the id is known.
  const auto& stored = checkpoints_.insert_or_assign(promise.id, std::move(promise)).first->second;
  index_position(stored);
  return stored;
}

void Pass::index_position(const wire::Promise& record) {
  // Only settled records: the fast path reads nothing else, and a settled record never changes
  // (a pending one is indexed when its settled version arrives, in the same place).
  if (record.pending()) return;
  const auto spelling = sdk::child_spelling(record.id);
  // A position far beyond the records this pass holds is not indexed (the slow path still
  // finds it by id): the index stays proportional to the records.
  if (!spelling || spelling->position >= 4 * checkpoints_.size() + 64) return;
  // Records mostly come one parent at a time: the last parent's positions are kept at hand.
  if (last_indexed_ == nullptr || last_indexed_->first != spelling->prefix) {
    auto found = positions_.find(spelling->prefix);
    if (found == positions_.end()) found = positions_.try_emplace(std::string(spelling->prefix)).first;
    last_indexed_ = &*found;
  }
  auto& at = last_indexed_->second.at;
  if (at.size() <= spelling->position) at.resize(spelling->position + 1, nullptr);
  at[spelling->position] = &record;
}

void Pass::merge_preload(const wire::PreloadRecords& preload) {
  for (const auto& item : preload) {
    // A server's fence answers carry the whole branch again (§4.9; the embedded core sends
    // none), so most records are known already; a settled record never changes, so those are
    // skipped without decoding them.
    if (const auto* fields = item.if_object()) {
      if (const auto* id = fields->if_contains("id"); id && id->is_string()) {
        auto known = checkpoints_.find(std::string(id->get_string()));
        if (known != checkpoints_.end() && !known->second.pending()) continue;
      }
    }
    remember(wire::promise_from_json(item));
  }
}

namespace {

asio::awaitable<const wire::Promise*> ready(const wire::Promise* record) { co_return record; }

// Ends the calling thread of a failed pass (pass_thread.hpp); never yields a promise.
asio::awaitable<const wire::Promise*> abandoned() {
  co_await abandon();
  co_return nullptr;
}

// What is wrong with a fence's answer: the fence's status, then its action's.
std::optional<std::string> fence_problem(int status, int action_status, std::string_view kind,
                                         std::string_view message) {
  if (status == 409) return "lost the task to another worker (" + std::string(message) + ")";
  if (status != 200) return "task.fence failed: " + std::string(message);
  if (action_status != 200) return std::string(kind) + " inside task.fence failed: " + std::string(message);
  return std::nullopt;
}

std::string_view action_kind(const wire::TaskFence& request) {
  return std::visit([](const auto& action) { return action.kind; }, request.action);
}

}  // namespace

// Not a coroutine: in embedded mode the core answers at once and typed (fence_here), and the
// step's path then allocates no coroutine frame here; a remote fence is sent_fence's.
asio::awaitable<const wire::Promise*> Pass::fence(wire::TaskFence request) {
  if (!failed() && runtime_->handed_back()) fail("the worker is stopping; its tasks were handed back");
  if (failed()) return abandoned();
  auto answer = runtime_->fence_here(request);
  if (!answer) return sent_fence(std::move(request));
  if (auto problem = fence_problem(answer->status, answer->action_status, action_kind(request), answer->message)) {
    fail(std::move(*problem));
    return abandoned();
  }
  return ready(&remember(std::move(answer->promise)));
}

asio::awaitable<const wire::Promise*> Pass::sent_fence(wire::TaskFence request) {
  const auto kind = action_kind(request);
  std::optional<std::string> problem;
  wire::Promise promise;
  try {
    auto response = co_await runtime_->send(request);
    if (response.ok()) {
      auto answer = sdk::read_answer(std::move(response), request.kind, &wire::fence_result_from_json);
      merge_preload(answer.preload);
      problem = fence_problem(200, answer.action.status, kind, answer.action.ok() ? "" : answer.action.message());
      if (!problem) promise = sdk::read_answer(answer.action, kind, &wire::promise_result_from_json).promise;
    } else {
      problem = fence_problem(response.status, 200, kind, response.message());
    }
  } catch (const std::exception& e) {
    problem = e.what();
  }
  if (problem) {
    fail(std::move(*problem));
    co_await abandon();
  }
  co_return &remember(std::move(promise));
}

// Not coroutines themselves: they hand back fence's (or a ready) awaitable, so a step costs one
// coroutine frame fewer on each of its two fences (frames of a kilobyte and more are costly to
// allocate).
asio::awaitable<const wire::Promise*> Pass::create(wire::PromiseCreate creation) {
  if (const auto* known = cached(creation.id); known && !known->pending()) return ready(known);
  return fence(wire::TaskFence{task_id_, version_, std::move(creation)});
}

asio::awaitable<const wire::Promise*> Pass::settle(const std::string& id, const Outcome& outcome) {
  return fence(wire::TaskFence{task_id_, version_, sdk::settlement(id, outcome, runtime_->encryptor())});
}

asio::awaitable<std::int64_t> Pass::furthest_child(const std::string& parent, std::uint64_t from) {
  if (failed()) co_await abandon();
  std::int64_t furthest = -1;
  bool searchable = true;
  std::optional<std::string> problem;
  try {
    std::optional<std::string> cursor;
    do {
      wire::PromiseSearch request;
      request.tags.emplace(wire::tag::parent, parent);
      request.cursor = std::move(cursor);
      auto response = co_await runtime_->send(request);
      if (response.status == 501) {
        searchable = false;
        break;
      }
      if (!response.ok()) throw PlatformError("promise.search: " + response.message());
      auto page = sdk::read_answer(response, request.kind, &wire::promise_page_from_json);
      for (const auto& promise : page.promises) {
        if (auto position = sdk::child_position(parent, promise.id, id_grammar())) {
          furthest = std::max(furthest, static_cast<std::int64_t>(*position));
        }
      }
      cursor = std::move(page.cursor);
    } while (cursor);
    if (!searchable) furthest = co_await furthest_child_without_search(parent, from);
  } catch (const std::exception& e) {
    problem = e.what();
  }
  if (problem) {
    fail("cannot read the checkpoints of " + parent + ": " + *problem);
    co_await abandon();
  }
  co_return furthest;
}

asio::awaitable<std::int64_t> Pass::furthest_child_without_search(const std::string& parent, std::uint64_t from) {
  runtime_->warn_once("promise.search", "the server cannot search promises (501): ctx.is_replaying() answers from "
                                        "the calls this pass knows of and the next position only");
  std::int64_t furthest = -1;
  for (const auto& [id, promise] : checkpoints_) {
    if (auto position = sdk::child_position(parent, id, id_grammar())) furthest = std::max(furthest, static_cast<std::int64_t>(*position));
  }
  if (furthest >= static_cast<std::int64_t>(from)) co_return furthest;
  const wire::PromiseGet request{sdk::child_id(parent, from, id_grammar())};
  auto response = co_await runtime_->send(request);
  if (response.ok()) co_return static_cast<std::int64_t>(from);
  if (response.status != 404) throw PlatformError("promise.get: " + response.message());
  co_return furthest;
}

sdk::IdGrammar Pass::id_grammar() {
  if (id_grammar_) return *id_grammar_;
  // Dots only when some child is spelled so and none with ':' (our own, TS or Python).
  id_grammar_ = sdk::IdGrammar::colon_first;
  for (const auto& [id, promise] : checkpoints_) {
    const auto shown = sdk::grammar_shown(task_id_, id);
    if (shown == sdk::IdGrammar::colon_first) return *(id_grammar_ = shown);
    if (shown) id_grammar_ = shown;
  }
  return *id_grammar_;
}

void Pass::depend_on(const std::string& id) {
  for (const auto& known : dependencies_) {
    if (known == id) return;
  }
  dependencies_.push_back(id);
}

void Pass::fail(std::string reason) {
  if (!failure_) failure_ = std::move(reason);
}

bool Pass::identity_matches(const wire::Promise& recorded, const sdk::CallIdentity& current) {
  const auto was = sdk::recorded_call(recorded);
  if (!was || current.is(*was)) return true;
  if (!failed()) {
    nondeterministic_ = true;
    fail(sdk::nondeterminism_message(task_id_, recorded.id, *was, current.text()));
  }
  return false;
}

std::shared_ptr<PassThread> Pass::spawn(std::string id, asio::awaitable<Outcome> body) {
  auto thread = PassThread::spawn(std::move(id), executor_, std::move(body));
  spawned_.push_back(thread);
  return thread;
}

asio::awaitable<void> Pass::drain() {
  // Index loop: a draining child may spawn further children.
  for (std::size_t i = 0; i < spawned_.size(); ++i) {
    auto child = spawned_[i];
    // However it ended, its outcome (suspension, failure) is recorded in this pass already.
    co_await child->finished();
  }
}

namespace {
class SettledAwaiter : public Awaiter {
 public:
  SettledAwaiter(std::string id, Outcome outcome) : id_(std::move(id)), outcome_(std::move(outcome)) {}
  const std::string& id() const override { return id_; }
  asio::awaitable<Outcome> wait() override { co_return outcome_; }
  asio::awaitable<bool> done() override { co_return true; }

 private:
  std::string id_;
  Outcome outcome_;
};
}  // namespace

std::shared_ptr<Awaiter> settled_awaiter(std::string id, Outcome outcome) {
  return std::make_shared<SettledAwaiter>(std::move(id), std::move(outcome));
}

}  // namespace resonate::detail
