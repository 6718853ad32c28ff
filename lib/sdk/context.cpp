// Context: minting child ids and tags (TS SDK 0.11.5 rules, resonate-protocol.md §5.2-§5.3)
// and the checkpoint logic of each kind of durable call.
#include "resonate/context.hpp"

#include <algorithm>
#include <limits>
#include <random>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "sdk/call_identity.hpp"
#include "sdk/ids.hpp"
#include "sdk/pass.hpp"
#include "sdk/retry.hpp"
#include "sdk/runtime.hpp"
#include "sdk/wire.hpp"
#include "wire/clock.hpp"
#include "wire/json_codec.hpp"
#include "wire/requests.hpp"

namespace resonate {

namespace asio = boost::asio;
namespace json = boost::json;
using detail::Outcome;

namespace {

constexpr std::int64_t default_timeout_ms = 24LL * 60 * 60 * 1000;

std::int64_t child_deadline(const Options& options, std::int64_t now, std::int64_t parent_deadline) {
  const std::int64_t timeout = options.timeout ? options.timeout->count() : default_timeout_ms;
  return std::min(wire::deadline_after(now, timeout), parent_deadline);
}

// The JSON string "" that the TS SDK stores as the param of timers and external promises.
wire::Value empty_string_param(const Encryptor* encryptor) {
  static const wire::Value plain = sdk::encode_value(json::string());
  return encryptor ? sdk::encode_value(json::string(), encryptor) : plain;
}

// The param of a local step: {"func":"run","version":1}, as the TS SDK stores it.
wire::Value local_step_param(const Encryptor* encryptor) {
  static const json::object local{{"func", "run"}, {"version", 1}};
  static const wire::Value plain = sdk::encode_value(local);
  return encryptor ? sdk::encode_value(local, encryptor) : plain;
}

// Awaiting a dependency that is still pending ends the pass (the awaiting thread is abandoned,
// not resumed: pass_thread.hpp); the task suspends on it.
class PendingAwaiter : public detail::Awaiter {
 public:
  PendingAwaiter(std::shared_ptr<detail::Pass> pass, std::string id) : pass_(std::move(pass)), id_(std::move(id)) {}
  const std::string& id() const override { return id_; }
  asio::awaitable<Outcome> wait() override {
    pass_->depend_on(id_);
    co_await detail::abandon();
    co_return Outcome{};  // never reached: the thread is not resumed
  }
  // Pending when this pass reached it: the same answer on every replay of this pass.
  asio::awaitable<bool> done() override { co_return false; }

 private:
  std::shared_ptr<detail::Pass> pass_;
  std::string id_;
};

// Whether the parent depends on a pending global child before awaiting it.
enum class Attachment {
  attached,  // rpc, sleep, promise: the parent completes only after the child (TS semantics)
  detached,  // detached: only an await makes the parent wait
};

// Creates-or-reads a global child and turns its state into an awaiter. A recorded promise
// that says it was another call than `identity` ends the pass.
asio::awaitable<std::shared_ptr<detail::Awaiter>> open_global(std::shared_ptr<detail::Pass> pass,
                                                              wire::PromiseCreate creation, sdk::CallIdentity identity,
                                                              Attachment attachment = Attachment::attached) {
  creation.tags.insert_or_assign(std::string(sdk::call_tag), identity.text());
  const wire::Promise* record = co_await pass->create(std::move(creation));
  const auto& promise = *record;
  if (!pass->identity_matches(promise, identity)) co_await detail::abandon();
  if (!promise.pending()) {
    co_return detail::settled_awaiter(promise.id, sdk::outcome_of(promise, pass->runtime().encryptor()));
  }
  if (attachment == Attachment::attached) pass->depend_on(promise.id);
  co_return std::make_shared<PendingAwaiter>(std::move(pass), promise.id);
}

// The `replayed` event of a step whose stored outcome is returned without running it.
void trace_replayed(const detail::Runtime& runtime, const std::string& id, const std::string& parent,
                    const std::string& origin, const sdk::CallIdentity& identity, const Outcome& stored) {
  if (!runtime.tracing()) return;
  runtime.trace({TraceEvent::Kind::replayed, id, parent, origin, identity.text(), 1, 0,
                 stored.state != Outcome::State::resolved, {}});
}

class LocalStep : public detail::Step {
 public:
  LocalStep(std::shared_ptr<detail::Pass> pass, std::string id, const Context& parent, std::string branch,
            Options options, std::string_view signature)
      : pass_(std::move(pass)),
        id_(std::move(id)),
        signature_(signature),
        parent_id_(parent.id()),
        origin_(parent.origin()),
        branch_(std::move(branch)),
        version_(parent.version()),
        parent_deadline_(parent.timeout_at()),
        options_(std::move(options)) {}

  const std::string& id() const override { return id_; }

  asio::awaitable<std::optional<Outcome>> open() override {
    std::int64_t deadline = 0;
    if (const auto* known = pass_->cached(id_)) {
      if (!pass_->identity_matches(*known, identity())) co_await detail::abandon();
      if (!known->pending()) co_return replayed(sdk::outcome_of(*known, encryptor()));
      deadline = known->timeout_at;
    } else {
      auto tags = sdk::call_tags(options_.tags, {{wire::tag::scope, "local"},
                                            {wire::tag::branch, branch_},
                                            {wire::tag::parent, parent_id_},
                                            {wire::tag::origin, origin_},
                                            {sdk::call_tag, identity().text()}});
      wire::PromiseCreate creation{id_, child_deadline(options_, pass_->runtime().now(), parent_deadline_),
                                   local_step_param(encryptor()),
                                   std::move(tags)};
      const wire::Promise* record = co_await pass_->create(std::move(creation));
      const auto& promise = *record;
      if (!pass_->identity_matches(promise, identity())) co_await detail::abandon();
      if (!promise.pending()) co_return replayed(sdk::outcome_of(promise, encryptor()));
      deadline = promise.timeout_at;
    }
    deadline_ = deadline;
    fresh_context();
    co_return std::nullopt;
  }

  Context& context() override { return *contexts_.back(); }

  std::optional<std::chrono::milliseconds> retry_delay(const std::exception_ptr& error, int attempt) override {
    auto delay = sdk::retry_delay(options_.retry.value_or(RetryPolicy::exponential()), error, attempt,
                                  pass_->runtime().now(), deadline_);
    if (delay && tracing()) trace(TraceEvent::Kind::retried, false, sdk::error_message(detail::rejection_of(error)));
    return delay;
  }

  asio::awaitable<void> pause(std::chrono::milliseconds delay) override {
    asio::steady_timer timer(pass_->executor(), delay);
    co_await timer.async_wait(asio::use_awaitable);
    // The next attempt numbers its children from 0 again, so it finds the checkpoints the
    // failed attempt left.
    fresh_context();
  }

  asio::awaitable<Outcome> close(Outcome outcome) override {
    const wire::Promise* record = co_await pass_->settle(id_, outcome);
    auto stored = sdk::outcome_of(*record, encryptor());
    if (tracing()) trace(TraceEvent::Kind::completed, stored.state != Outcome::State::resolved);
    co_return stored;
  }

  std::shared_ptr<detail::Awaiter> spawn(asio::awaitable<Outcome> body) override {
    return pass_->spawn(id_, std::move(body));
  }

 private:
  std::shared_ptr<detail::Pass> pass_;
  std::string id_;
  std::string_view signature_;  // static storage (Context::step_signature)
  std::string parent_id_;
  std::string origin_;
  std::string branch_;
  int version_;
  std::int64_t parent_deadline_;
  std::int64_t deadline_ = 0;
  const Encryptor* encryptor() const { return pass_->runtime().encryptor(); }
  sdk::CallIdentity identity() const { return {"run", options_.name ? std::string_view(*options_.name) : signature_}; }
  // One per attempt, numbered from 1.
  void fresh_context() {
    const int attempt = static_cast<int>(contexts_.size()) + 1;
    contexts_.push_back(std::make_unique<Context>(
        pass_, detail::ExecutionInfo{id_, parent_id_, origin_, branch_, deadline_, version_, attempt}));
    if (tracing()) trace(TraceEvent::Kind::started);
  }

  // Tracing (resonate/tracing.hpp): one check when nobody listens, so replay stays cheap.
  bool tracing() const { return pass_->runtime().tracing(); }
  void trace(TraceEvent::Kind kind, bool failed = false, std::string detail = {}) const {
    pass_->runtime().trace({kind, id_, parent_id_, origin_, identity().text(),
                            std::max(1, static_cast<int>(contexts_.size())), 0, failed, std::move(detail)});
  }
  Outcome replayed(Outcome stored) const {
    trace_replayed(pass_->runtime(), id_, parent_id_, origin_, identity(), stored);
    return stored;
  }

  Options options_;
  // One per attempt; earlier ones stay alive for anything of theirs still running.
  std::vector<std::unique_ptr<Context>> contexts_;
};

// Context::rpc and Context::detached: a global child with its own task on the call's target.
class ChildCaller : public detail::Caller {
 public:
  ChildCaller(std::shared_ptr<detail::Pass> pass, const Context& parent, Attachment attachment)
      : pass_(std::move(pass)),
        parent_id_(parent.id()),
        origin_(parent.origin()),
        parent_deadline_(parent.timeout_at()),
        attachment_(attachment) {}

  asio::any_io_executor executor() const override { return pass_->executor(); }

  asio::awaitable<std::shared_ptr<detail::Awaiter>> start(detail::CallSpec spec) override {
    const auto target = detail::Runtime::address_of(spec.options.target);
    const bool detached = attachment_ == Attachment::detached;
    const sdk::CallIdentity identity{detached ? "detached" : "rpc", spec.func};
    // A detached child names the origin as its parent (its id extends the origin, not the
    // caller) and is not bound by the caller's deadline.
    auto tags = sdk::call_tags(spec.options.tags, {{wire::tag::scope, "global"},
                                              {wire::tag::target, target},
                                              {wire::tag::branch, spec.id},
                                              {wire::tag::parent, detached ? origin_ : parent_id_},
                                              {wire::tag::origin, origin_}});
    auto param = sdk::invocation_param(spec.func, spec.args, pass_->runtime().version_to_call(spec.func, spec.options.version),
                                       spec.options.retry, pass_->runtime().encryptor());
    const auto deadline =
        child_deadline(spec.options, pass_->runtime().now(),
                       detached ? std::numeric_limits<std::int64_t>::max() : parent_deadline_);
    wire::PromiseCreate creation{spec.id, deadline, std::move(param), std::move(tags)};
    co_return co_await open_global(pass_, std::move(creation), identity, attachment_);
  }

 private:
  std::shared_ptr<detail::Pass> pass_;
  std::string parent_id_;
  std::string origin_;
  std::int64_t parent_deadline_;
  Attachment attachment_;
};

}  // namespace

Context::Context(std::shared_ptr<detail::Pass> pass, detail::ExecutionInfo info)
    : pass_(std::move(pass)), info_(std::move(info)) {}

Context::~Context() = default;

std::string Context::next_id() { return sdk::child_id(info_.id, seq_++, pass_->id_grammar()); }

std::string Context::last_call_id() { return sdk::child_id(info_.id, seq_ - 1, pass_->id_grammar()); }

std::shared_ptr<detail::Step> Context::begin_step(std::string id, Options options, std::string_view signature) {
  return std::make_shared<LocalStep>(pass_, std::move(id), *this, info_.branch, std::move(options), signature);
}

std::optional<Outcome> Context::replayed_step(const Options& options, std::string_view signature) {
  if (positions_ == nullptr) positions_ = &pass_->positions(sdk::child_prefix(info_.id, pass_->id_grammar()));
  const auto* known = positions_->find(seq_);
  if (known == nullptr || known->pending()) return std::nullopt;
  const sdk::CallIdentity identity{"run", options.name ? std::string_view(*options.name) : signature};
  if (const auto recorded = sdk::recorded_call(*known); recorded && !identity.is(*recorded)) return std::nullopt;
  ++seq_;
  auto outcome = sdk::outcome_of(*known, pass_->runtime().encryptor());
  trace_replayed(pass_->runtime(), known->id, info_.id, info_.origin, identity, outcome);
  return outcome;
}

std::shared_ptr<detail::Caller> Context::caller() {
  return std::make_shared<ChildCaller>(pass_, *this, Attachment::attached);
}

std::shared_ptr<detail::Caller> Context::detached_caller() {
  return std::make_shared<ChildCaller>(pass_, *this, Attachment::detached);
}

std::string Context::next_detached_id() { return sdk::detached_id(info_.origin, next_id()); }

asio::awaitable<std::shared_ptr<detail::Awaiter>> Context::external(std::optional<std::string> named,
                                                                    Options options, std::optional<PromiseData> data) {
  // A named promise still takes its position, so the ids of the calls after it do not depend
  // on whether it is named.
  auto id = next_id();
  // A named promise starts a lineage of its own, as an explicit id does in the TS SDK: its id
  // need not extend this execution's, so it is its own origin, branch and parent.
  std::string origin = info_.origin;
  std::string parent = info_.id;
  if (named) {
    if (!sdk::valid_root_id(*named)) {
      throw Error("ctx.promise: invalid promise id '" + *named + "': empty or contains ':'");
    }
    id = std::move(*named);
    origin = parent = id;
  }
  auto tags = sdk::call_tags(options.tags, {{wire::tag::scope, "global"},
                                       {wire::tag::branch, id},
                                       {wire::tag::parent, parent},
                                       {wire::tag::origin, origin}});
  // Without data, the empty string the TS SDK stores.
  auto param = data ? sdk::encode_value(data->json(), pass_->runtime().encryptor())
                    : empty_string_param(pass_->runtime().encryptor());
  wire::PromiseCreate creation{id, child_deadline(options, pass_->runtime().now(), info_.timeout_at),
                               std::move(param), std::move(tags)};
  return open_global(pass_, std::move(creation), {"promise", {}});
}

asio::awaitable<void> Context::sleep(std::chrono::milliseconds duration) {
  return sleep_at(pass_->runtime().deadline_in(duration));
}

asio::awaitable<void> Context::sleep_until(std::chrono::system_clock::time_point deadline) {
  // Rounded up: the promise's deadline is in whole milliseconds, and a sleep never ends early.
  return sleep_at(std::chrono::ceil<std::chrono::milliseconds>(deadline.time_since_epoch()).count());
}

asio::awaitable<void> Context::sleep_at(std::int64_t wake) {
  auto id = next_id();
  auto tags = sdk::call_tags(Tags{}, {{wire::tag::scope, "global"},
                             {wire::tag::target, "poll://any@default"},
                             {wire::tag::branch, id},
                             {wire::tag::parent, info_.id},
                             {wire::tag::origin, info_.origin},
                             {wire::tag::timer, "true"}});
  wire::PromiseCreate creation{id, std::min<std::int64_t>(wake, info_.timeout_at),
                               empty_string_param(pass_->runtime().encryptor()), std::move(tags)};
  return [](std::shared_ptr<detail::Pass> pass, wire::PromiseCreate creation) -> asio::awaitable<void> {
    const sdk::CallIdentity sleep{"sleep", {}};  // named: GCC 12 and aggregates inside co_await
    auto awaiter = co_await open_global(std::move(pass), std::move(creation), sleep);
    co_await awaiter->wait();
  }(pass_, std::move(creation));
}

asio::awaitable<bool> Context::is_replaying() {
  // This pass creates children only below the current position, so any child at or after it
  // that existed when first asked was made by an earlier pass; one read serves the whole pass.
  if (!furthest_known_) {
    const auto furthest = co_await pass_->furthest_child(info_.id, seq_);
    furthest_known_ = furthest;
  }
  co_return *furthest_known_ >= static_cast<std::int64_t>(seq_);
}

asio::awaitable<std::int64_t> Context::now() {
  Options named;
  named.name = "now";
  return run(named, [runtime = &pass_->runtime()] { return runtime->now(); });
}

asio::awaitable<double> Context::random() {
  Options named;
  named.name = "random";
  return run(named, [] {
    thread_local std::mt19937_64 generator{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(generator);
  });
}

}  // namespace resonate
