#include "sdk/runtime.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include "network/auth_failure.hpp"
#include "resonate/context.hpp"
#include "resonate/errors.hpp"
#include "sdk/ids.hpp"
#include "sdk/pass.hpp"
#include "sdk/pass_thread.hpp"
#include "sdk/retry.hpp"
#include "sdk/wire.hpp"
#include "wire/address.hpp"
#include "wire/clock.hpp"
#include "wire/json_codec.hpp"
#include "wire/lineage.hpp"
#include "wire/messages.hpp"
#include "wire/requests.hpp"
#include "wire/responses.hpp"

namespace resonate::detail {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::int64_t default_timeout_ms = 24LL * 60 * 60 * 1000;

// One execution of a registered function (its exceptions go to the PassThread).
asio::awaitable<Outcome> run_function(std::shared_ptr<const Invoker> function, Context& context, json::array args) {
  auto value = co_await (*function)(context, std::move(args));
  co_return Outcome{Outcome::State::resolved, std::move(value)};
}

// Waits for a root promise through the runtime's listener mechanism. A record that is
// settled already is decoded when awaited, so that a value this process cannot read is a
// DecodeError of `result()`, not of getting the handle.
class ClientAwaiter : public Awaiter {
 public:
  ClientAwaiter(std::shared_ptr<Runtime> runtime, std::string id, std::optional<wire::Promise> settled)
      : runtime_(std::move(runtime)), id_(std::move(id)), settled_(std::move(settled)) {}
  const std::string& id() const override { return id_; }
  asio::awaitable<Outcome> wait() override {
    if (settled_) co_return sdk::outcome_of(*settled_, runtime_->encryptor());
    co_return co_await runtime_->await_settled(id_);
  }
  asio::awaitable<bool> done() override {
    if (!settled_) {
      const wire::PromiseGet request{id_};
      auto response = co_await runtime_->send(request);
      if (response.status == 404) throw NotFoundError("promise '" + id_ + "' not found");
      if (!response.ok()) throw PlatformError("promise.get: " + response.message());
      auto promise = sdk::read_answer(response, request.kind, &wire::promise_result_from_json).promise;
      if (!promise.pending()) settled_ = std::move(promise);
    }
    co_return settled_.has_value();
  }

 private:
  std::shared_ptr<Runtime> runtime_;
  std::string id_;
  std::optional<wire::Promise> settled_;
};

// The record when it is settled.
std::optional<wire::Promise> if_settled(wire::Promise promise) {
  if (promise.pending()) return std::nullopt;
  return promise;
}

}  // namespace

Runtime::Runtime(asio::any_io_executor executor, std::shared_ptr<network::Network> network, RuntimeConfig config)
    : executor_(std::move(executor)), network_(std::move(network)), config_(std::move(config)) {}

void Runtime::start() {
  std::weak_ptr<Runtime> weak = weak_from_this();
  network_->start([weak](json::object message) {
    if (auto self = weak.lock()) self->on_message(std::move(message));
  });
  heartbeat_timer_ = std::make_shared<asio::steady_timer>(asio::make_strand(executor_));
  // Background coroutines hold the runtime alive until stop() ends them.
  asio::co_spawn(heartbeat_timer_->get_executor(), [self = shared_from_this()] { return self->heartbeat_loop(); },
                 asio::detached);
}

void Runtime::stop() {
  std::shared_ptr<asio::steady_timer> timer;
  std::map<std::string, std::int64_t> held;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    timer = heartbeat_timer_;
    if (config_.hand_back_on_stop) held = held_;
  }
  network_->stop();
  if (timer) asio::post(timer->get_executor(), [timer] { timer->cancel(); });
  // Hand the tasks back now, so that another worker takes them at once instead of after their
  // leases lapse. Their executions stop at their next durable call (Pass::fence).
  for (auto& [id, version] : held) {
    wire::Task task;
    task.id = id;
    task.version = version;
    asio::co_spawn(executor_, [self = shared_from_this(), task = std::move(task)] { return self->release(task); },
                   asio::detached);
  }
  // Wake every waiting handle so that it observes the stop.
  std::lock_guard lock(mutex_);
  for (auto& [id, signals] : waiters_) {
    for (auto& weak : signals) {
      if (auto signal = weak.lock()) signal->notify();
    }
  }
}

std::int64_t Runtime::deadline_in(std::chrono::milliseconds duration) const {
  if (config_.manual_clock) return wire::deadline_after((*config_.manual_clock)(), duration.count());
  const auto wake = std::chrono::system_clock::now() + duration;
  return std::chrono::ceil<std::chrono::milliseconds>(wake.time_since_epoch()).count();
}

void Runtime::trace(TraceEvent event) const {
  if (!config_.tracer) return;
  event.at = now();
  try {
    config_.tracer(event);
  } catch (...) {
    // Tracing is best effort: the execution it reports on goes on.
  }
}

bool Runtime::handed_back() {
  std::lock_guard lock(mutex_);
  return stopped_ && config_.hand_back_on_stop;
}

void Runtime::add_function(std::string name, int version, Invoker invoke) {
  std::lock_guard lock(mutex_);
  auto key = std::make_pair(name, version);
  if (functions_.contains(key)) {
    throw Error("function '" + name + "' version " + std::to_string(version) + " is already registered");
  }
  functions_.emplace(std::move(key), std::make_shared<const Invoker>(std::move(invoke)));
}

std::shared_ptr<const Invoker> Runtime::find_function(const std::string& name, int version) {
  std::lock_guard lock(mutex_);
  auto found = functions_.find({name, version});
  return found == functions_.end() ? nullptr : found->second;
}

int Runtime::version_to_call(const std::string& func, std::optional<int> requested) {
  if (requested) return *requested;
  std::lock_guard lock(mutex_);
  int latest = 1;
  for (auto found = functions_.lower_bound({func, 0}); found != functions_.end() && found->first.first == func; ++found) {
    latest = found->first.second;
  }
  return latest;
}

std::string Runtime::address_of(const std::optional<std::string>& target) {
  if (!target || target->empty()) return "poll://any@default";
  if (target->find("://") != std::string::npos) return *target;
  return "poll://any@" + *target;
}

asio::awaitable<wire::Response> Runtime::send(wire::RequestEnvelope envelope) {
  const auto kind = envelope.kind;
  const bool token_sent = envelope.auth.has_value();
  wire::Response response;
  try {
    json::value answer = co_await network_->send(wire::to_json(std::move(envelope)));
    response = wire::response_from_json(std::move(answer));
  } catch (const PlatformError&) {
    throw;
  } catch (const std::exception& e) {
    throw PlatformError(kind + ": " + e.what());
  }
  // Refused credentials are nothing a caller can handle by status: they end the call.
  if (network::is_auth_status(response.status)) {
    throw network::auth_failure(kind, response.status, token_sent, response.message());
  }
  co_return response;
}

template <class CompletionToken>
auto Runtime::spawn_execution(wire::Task task, wire::Promise root, wire::PreloadRecords preload,
                              CompletionToken&& token) {
  {
    std::lock_guard lock(mutex_);
    held_[task.id] = task.version;
  }
  // Each execution runs on its own strand: its coroutines never run concurrently.
  return asio::co_spawn(
      asio::make_strand(executor_),
      [self = shared_from_this(), task = std::move(task), root = std::move(root), preload = std::move(preload)] {
        return self->execute(task, root, preload);
      },
      std::forward<CompletionToken>(token));
}

// --- client -------------------------------------------------------------------------------

asio::awaitable<std::shared_ptr<Awaiter>> Runtime::start(CallSpec spec) {
  if (!sdk::valid_root_id(spec.id)) throw Error("invalid promise id '" + spec.id + "': empty or contains ':'");
  const auto target = spec.run_here ? "poll://any@" + config_.group + "/" + config_.pid
                                    : address_of(spec.options.target);
  const std::int64_t timeout = spec.options.timeout ? spec.options.timeout->count() : default_timeout_ms;
  wire::PromiseCreate create{spec.id, wire::deadline_after(now(), timeout),
                             sdk::invocation_param(spec.func, spec.args, version_to_call(spec.func, spec.options.version),
                                                   spec.options.retry, encryptor()),
                             sdk::root_call_tags(spec.options.tags, spec.id, target)};

  auto self = shared_from_this();
  if (!spec.run_here) {
    auto response = co_await send(create);
    if (!response.ok()) throw PlatformError("promise.create: " + response.message());
    auto promise = sdk::read_answer(response, create.kind, &wire::promise_result_from_json).promise;
    if (promise.pending()) warn_if_unattended(target);
    co_return std::make_shared<ClientAwaiter>(self, spec.id, if_settled(std::move(promise)));
  }

  const wire::TaskCreate request{config_.pid, config_.ttl.count(), std::move(create)};
  auto response = co_await send(request);
  if (response.status == 409) {
    // The execution exists and is held elsewhere: attach to it.
    co_return std::make_shared<ClientAwaiter>(self, spec.id, std::nullopt);
  }
  if (!response.ok()) throw PlatformError("task.create: " + response.message());
  auto created = sdk::read_answer(response, request.kind, &wire::acquired_task_from_json);
  if (!created.promise.pending()) {
    co_return std::make_shared<ClientAwaiter>(self, spec.id, if_settled(std::move(created.promise)));
  }
  if (created.task.state == wire::TaskState::acquired) {
    spawn_execution(std::move(created.task), std::move(created.promise), std::move(created.preload), asio::detached);
  }
  co_return std::make_shared<ClientAwaiter>(self, spec.id, std::nullopt);
}

asio::awaitable<std::shared_ptr<Awaiter>> Runtime::attach(std::string id) {
  // (Requests are built before co_await: GCC 12 mishandles aggregate temporaries there.)
  const wire::PromiseGet request{id};
  auto response = co_await send(request);
  if (response.status == 404) throw NotFoundError("promise '" + id + "' not found");
  if (!response.ok()) throw PlatformError("promise.get: " + response.message());
  auto promise = sdk::read_answer(response, request.kind, &wire::promise_result_from_json).promise;
  co_return std::make_shared<ClientAwaiter>(shared_from_this(), std::move(id), if_settled(std::move(promise)));
}

asio::awaitable<void> Runtime::settle(std::string id, bool resolved, json::value value) {
  const wire::PromiseSettle request{id, resolved ? wire::PromiseState::resolved : wire::PromiseState::rejected,
                                    sdk::encode_value(value, encryptor())};
  auto response = co_await send(request);
  if (response.status == 404) throw NotFoundError("promise '" + id + "' not found");
  if (!response.ok()) throw PlatformError("promise.settle: " + response.message());
}

asio::awaitable<Outcome> Runtime::await_settled(std::string id) {
  auto signal = sdk::Signal::create(executor_);
  {
    std::lock_guard lock(mutex_);
    waiters_[id].push_back(signal);
  }
  struct Unregister {
    Runtime* runtime;
    const std::string& id;
    const sdk::Signal* mine;
    ~Unregister() {
      std::lock_guard lock(runtime->mutex_);
      auto found = runtime->waiters_.find(id);
      if (found == runtime->waiters_.end()) return;
      std::erase_if(found->second, [this](const auto& weak) {
        auto signal = weak.lock();
        return !signal || signal.get() == mine;
      });
      if (found->second.empty()) {
        runtime->waiters_.erase(found);
        runtime->unblocked_.erase(id);
      }
    }
  } unregister{this, id, signal.get()};

  const std::string address = "poll://uni@" + config_.group + "/" + config_.pid;
  std::chrono::milliseconds retry{1000};
  // Set when the server refuses a listener on this promise (422: another implementation may
  // accept listeners only on promises tagged for it): the promise is then asked for instead.
  std::optional<std::chrono::milliseconds> polling;
  for (;;) {
    std::optional<wire::Promise> delivered;
    {
      std::lock_guard lock(mutex_);
      if (stopped_) throw Error("resonate stopped while waiting for '" + id + "'");
      if (auto found = unblocked_.find(id); found != unblocked_.end()) delivered = found->second;
    }
    // The unblock message carried the settled record: no need to ask for it.
    if (delivered) co_return sdk::outcome_of(*delivered, encryptor());
    std::chrono::milliseconds wait = config_.relisten_interval;
    try {
      wire::Response response;
      std::string_view kind;
      if (polling) {
        const wire::PromiseGet request{id};
        kind = request.kind;
        response = co_await send(request);
      } else {
        const wire::PromiseRegisterListener request{id, address};
        kind = request.kind;
        response = co_await send(request);
      }
      if (response.status == 404) throw NotFoundError("promise '" + id + "' not found");
      if (response.status == 422 && !polling) {
        log(LogLevel::warn, "the server refuses a listener on the awaited promise; waiting by asking for it instead",
            {{"id", id}, {"error", response.message()}});
        polling = std::chrono::milliseconds{250};
        continue;
      }
      if (!response.ok()) throw PlatformError(std::string(kind) + ": " + response.message());
      auto promise = sdk::read_answer(response, kind, &wire::promise_result_from_json).promise;
      if (!promise.pending()) co_return sdk::outcome_of(promise, encryptor());
      retry = std::chrono::milliseconds{1000};
      if (polling) {
        wait = *polling;
        polling = std::min(*polling * 2, std::chrono::milliseconds{5000});
      }
    } catch (const AuthError&) {
      throw;  // waiting does not make a refused token valid
    } catch (const PlatformError& error) {
      // The server is unreachable: try again with backoff (1, 2, 4 ... 30 s).
      log(LogLevel::warn, "cannot learn whether the awaited promise settled; trying again",
          {{"id", id}, {"error", error.what()}, {"retry_in_ms", std::to_string(retry.count())}});
      wait = retry;
      retry = std::min(retry * 2, std::chrono::milliseconds{30000});
    }
    co_await signal->wait_for(wait);
  }
}

// --- worker -------------------------------------------------------------------------------

void Runtime::on_message(json::object message) {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
  }
  const auto received = wire::message_from_json(message);
  if (!received) {
    // Shown in part: enough to recognise it, never a whole payload in the log.
    log(LogLevel::warn, "ignoring a message this worker does not understand",
        {{"message", json::serialize(message).substr(0, 200)}});
    return;
  }
  if (const auto* execute = std::get_if<wire::ExecuteMessage>(&*received)) {
    admit(execute->task_id, execute->version);
  } else if (const auto* unblock = std::get_if<wire::UnblockMessage>(&*received)) {
    std::lock_guard lock(mutex_);
    auto found = waiters_.find(unblock->promise.id);
    if (found == waiters_.end()) return;
    // Kept for the waiters when it is a whole settled record (a server may send less: then they
    // ask for the promise, as before).
    if (!unblock->promise.pending() && unblock->promise.value.data) {
      unblocked_.insert_or_assign(unblock->promise.id, unblock->promise);
    }
    for (auto& weak : found->second) {
      if (auto signal = weak.lock()) signal->notify();
    }
  }
}

void Runtime::admit(std::string id, std::int64_t version) {
  bool admitted = false;
  {
    std::lock_guard lock(mutex_);
    if (config_.max_executions == 0 || admitted_ < config_.max_executions) {
      ++admitted_;
      admitted = true;
    } else if (waiting_executes_.size() < config_.max_waiting_executes) {
      waiting_executes_.emplace_back(std::move(id), version);
      return;
    }
  }
  if (admitted) {
    asio::co_spawn(
        executor_, [self = shared_from_this(), id = std::move(id), version] { return self->run_admitted(id, version); },
        asio::detached);
    return;
  }
  // The queue is full too: the server offers the task again (its retry timer), to this process
  // or to another member of the group.
  if (first_report("too many offers")) {
    log(LogLevel::warn, "too many tasks offered at once: offers beyond the queue are dropped, the server makes them again",
        {{"id", id},
         {"max_executions", std::to_string(config_.max_executions)},
         {"waiting", std::to_string(config_.max_waiting_executes)}});
  }
}

asio::awaitable<void> Runtime::run_admitted(std::string id, std::int64_t version) {
  for (;;) {
    co_await acquire(id, version);
    std::lock_guard lock(mutex_);
    if (waiting_executes_.empty() || stopped_) {
      --admitted_;
      co_return;
    }
    std::tie(id, version) = std::move(waiting_executes_.front());
    waiting_executes_.pop_front();
  }
}

asio::awaitable<void> Runtime::acquire(std::string id, std::int64_t version) {
  try {
    const wire::TaskAcquire request{id, version, config_.pid, config_.ttl.count()};
    auto response = co_await send(request);
    // 409: another worker was faster, or the message was stale. Either way, not ours.
    if (!response.ok()) co_return;
    std::optional<wire::AcquiredTask> acquired;
    std::string unreadable;
    try {
      acquired = sdk::read_answer(response, request.kind, &wire::acquired_task_from_json);
    } catch (const PlatformError& error) {
      unreadable = error.what();
    }
    if (!acquired) {
      // Ours now (acquiring version v yields v + 1) but unreadable: give it back rather than
      // hold it, doing nothing, until the lease lapses — after a pause, and saying so once, so
      // that a task no member can read is not a hot loop of offers (another SDK may read it).
      if (first_report("unreadable " + id)) {
        log(LogLevel::error, "cannot read the acquired task; it is released for another member of the group",
            {{"id", id}, {"version", std::to_string(version + 1)}, {"error", unreadable}});
      }
      wire::Task task;
      task.id = id;
      task.version = version + 1;
      asio::steady_timer pause(executor_, std::chrono::seconds(1));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      co_await release(task);
      co_return;
    }
    auto execution = spawn_execution(std::move(acquired->task), std::move(acquired->promise),
                                     std::move(acquired->preload), asio::use_awaitable);
    co_await std::move(execution);
  } catch (const std::exception& error) {
    // Delivery is best effort on both sides: the server sends execute again.
    log(LogLevel::warn, "cannot acquire the task; the server offers it again",
        {{"id", id}, {"version", std::to_string(version)}, {"error", error.what()}});
  }
}

Logger effective_logger(Logger configured) {
  if (!configured) return stderr_logger();
  return [logger = std::move(configured)](const LogRecord& record) {
    try {
      logger(record);
    } catch (...) {
      // Logging is best effort: the work it reports on goes on.
    }
  };
}

bool Runtime::last_offer_of_unknown(const std::string& id) {
  if (config_.reject_unknown_after == 0) return false;
  std::lock_guard lock(mutex_);
  // Bounded: forgetting a count only delays a rejection.
  if (unknown_offers_.size() >= 10000 && !unknown_offers_.contains(id)) unknown_offers_.erase(unknown_offers_.begin());
  if (++unknown_offers_[id] < config_.reject_unknown_after) return false;
  unknown_offers_.erase(id);
  return true;
}

bool Runtime::first_report(std::string key) {
  std::lock_guard lock(mutex_);
  if (reported_.size() >= 10000 && !reported_.contains(key)) reported_.clear();
  return reported_.insert(std::move(key)).second;
}

void Runtime::warn_once(const std::string& key, std::string message) {
  if (first_report(key)) log(LogLevel::warn, std::move(message), {});
}

void Runtime::log(LogLevel level, std::string message, std::vector<std::pair<std::string, std::string>> fields) const {
  config_.logger({level, std::move(message), std::move(fields)});
}

void Runtime::warn_if_unattended(const std::string& target) {
  const auto address = wire::parse_address(target);
  if (!address || address->kind != wire::Address::Kind::poll) return;
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    auto& checked = unattended_checked_[address->poll.group];
    if (checked != std::chrono::steady_clock::time_point{} && now - checked < std::chrono::minutes(1)) return;
    checked = now;
  }
  asio::co_spawn(
      executor_,
      [self = shared_from_this(), group = address->poll.group]() -> asio::awaitable<void> {
        const auto workers = co_await self->network_->connected_workers(group);
        if (workers && *workers == 0) {
          self->log(LogLevel::warn,
                    "no worker of the call's group is connected to the server: the call waits until one connects "
                    "(is the group name, or the call's target, right?)",
                    {{"group", group}});
        }
      },
      asio::detached);
}

asio::awaitable<void> Runtime::execute(wire::Task task, wire::Promise root, wire::PreloadRecords preload) {
  std::optional<std::string> failure;
  try {
    co_await replay(task, root, std::move(preload));
  } catch (const std::exception& error) {
    failure = error.what();
  } catch (...) {
    failure = "unknown exception";
  }
  if (failure && handed_back()) {
    // stop() released the task already; this pass ended because the worker is stopping.
    log(LogLevel::info, "execution stopped with the worker; its task was handed back",
        {{"id", task.id}, {"version", std::to_string(task.version)}});
  } else if (failure) {
    log(LogLevel::error, "execution pass failed; the task is released and executed again",
        {{"id", task.id}, {"version", std::to_string(task.version)}, {"error", *failure}});
    // The server gives a released task to a worker again at once (possibly this one): pause
    // first, so that a failure that repeats (server trouble) does not become a hot loop.
    asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::seconds(1));
    co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
    co_await release(task);
  }
  std::lock_guard lock(mutex_);
  if (auto held = held_.find(task.id); held != held_.end() && held->second == task.version) held_.erase(held);
}

asio::awaitable<void> Runtime::replay(const wire::Task& task, const wire::Promise& root, wire::PreloadRecords preload) {
  // A durable timer's task: nothing to run. It completes when the server fires the timer;
  // until then the lease simply lapses (the TS SDK does the same).
  if (root.tag(wire::tag::timer) == "true" || !root.pending()) co_return;

  std::shared_ptr<const Invoker> function;
  sdk::Invocation invocation;
  std::optional<Outcome> cannot_run;
  try {
    invocation = sdk::read_invocation(root.param, encryptor());
    // Version 0 (the TS SDK's "latest") is the latest registered here.
    if (invocation.version <= 0) invocation.version = version_to_call(invocation.func, std::nullopt);
    function = find_function(invocation.func, invocation.version);
    if (!function) {
      cannot_run = sdk::error_outcome(
          "UnknownFunctionError", "function '" + invocation.func + "' (version " + std::to_string(invocation.version) +
                                      ") is not registered in worker group '" + config_.group + "'");
    }
  } catch (const DecodeError& e) {
    cannot_run = sdk::error_outcome("DecodeError", e.what());
  }
  // Not registered here: during a deploy another member of the group may have it, so the task
  // goes back to the group (after a pause, so that a group where nobody has it is not a hot
  // loop of offers) — unless nobody else exists to take it (embedded mode).
  if (!function && !invocation.func.empty() && config_.release_unknown_functions && !last_offer_of_unknown(task.id)) {
    if (first_report("unregistered " + invocation.func + "@" + std::to_string(invocation.version))) {
      log(LogLevel::warn,
          "a task calls a function this process has not registered; it is released for another member of the group",
          {{"id", task.id},
           {"version", std::to_string(task.version)},
           {"function", invocation.func},
           {"function_version", std::to_string(invocation.version)},
           {"group", config_.group}});
    }
    asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::seconds(1));
    co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
    co_await release(task);
    co_return;
  }
  // A function that can never run fails its promise instead of being redelivered forever.
  if (cannot_run) {
    log(LogLevel::error, "cannot execute the task: its promise is rejected",
        {{"id", task.id},
         {"version", std::to_string(task.version)},
         {"function", invocation.func},
         {"error", sdk::error_message(*cannot_run)}});
    co_await fulfill(task, *cannot_run);
    co_return;
  }

  const auto origin = root.has_tag(wire::tag::origin) ? std::string(root.tag(wire::tag::origin))
                                                          : std::string(wire::origin_of(root.id));
  const auto parent = root.has_tag(wire::tag::parent) ? std::string(root.tag(wire::tag::parent)) : root.id;
  const auto strand = co_await asio::this_coro::executor;
  Checkpoints checkpoints;
  int attempt = 0;  // retries of the function so far (invocation.retry), in this process
  const auto trace_execution = [&](TraceEvent::Kind kind, bool failed = false, std::string detail = {}) {
    trace({kind, root.id, parent, origin, invocation.func, attempt + 1, 0, failed, std::move(detail)});
  };
  for (;;) {
    auto pass = std::make_shared<Pass>(shared_from_this(), task.id, task.version, strand, std::move(checkpoints));
    pass->merge_preload(preload);
    std::optional<Outcome> result;
    std::exception_ptr error;
    {
      if (tracing()) trace_execution(TraceEvent::Kind::started);
      Context context(pass, {root.id, parent, origin, root.id, root.timeout_at, invocation.version, attempt + 1});
      // A thread of its own, so that a suspension can end the function's frames (and only
      // those) without an exception through user code (pass_thread.hpp).
      auto body = PassThread::spawn(root.id, strand, run_function(function, context, invocation.args));
      co_await body->finished();
      if (!body->abandoned()) {
        try {
          result = co_await body->wait();
        } catch (...) {
          error = std::current_exception();
        }
      }
      co_await pass->drain();
    }
    if (pass->nondeterministic()) {
      co_await stop_nondeterministic(task, pass->failure());
      co_return;
    }
    if (pass->failed()) throw PlatformError(pass->failure());

    if (pass->dependencies().empty()) {
      if (error) {
        auto rejection = rejection_of(error);
        const auto delay = invocation.retry ? sdk::retry_delay(*invocation.retry, error, attempt, now(), root.timeout_at)
                                            : std::nullopt;
        if (delay) {
          // Again from the top after the pause, under the same lease (the heartbeats go on);
          // the checkpoints the failed attempt stored are replayed, not run again.
          if (tracing()) trace_execution(TraceEvent::Kind::retried, false, sdk::error_message(rejection));
          log(LogLevel::info, "the function failed; it is retried by its retry policy",
              {{"id", task.id},
               {"attempt", std::to_string(attempt + 1)},
               {"retry_in_ms", std::to_string(delay->count())},
               {"error", sdk::error_message(rejection)}});
          asio::steady_timer pause(strand, *delay);
          co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
          ++attempt;
          checkpoints = pass->take_checkpoints();
          preload.clear();
          continue;
        }
        result = std::move(rejection);
      }
      if (!result) throw PlatformError("execution of '" + root.id + "' was interrupted without a cause");
      co_await fulfill(task, *result);
      if (tracing()) trace_execution(TraceEvent::Kind::completed, result->state != Outcome::State::resolved);
      co_return;
    }

    const wire::TaskSuspend request{task.id, task.version, pass->dependencies()};
    auto response = co_await send(request);
    if (response.status == 200) {
      // Resumed by an execute message once a dependency settles.
      if (tracing()) {
        std::string awaited;
        for (const auto& id : pass->dependencies()) awaited += (awaited.empty() ? "" : ",") + id;
        trace_execution(TraceEvent::Kind::suspended, false, std::move(awaited));
      }
      co_return;
    }
    if (response.status == 409) co_return;  // the task moved on without us (settled, or lease lost)
    if (response.status != 300) throw PlatformError("task.suspend: " + response.message());
    // 300: a dependency settled meanwhile; replay at once with the same lease.
    checkpoints = pass->take_checkpoints();
    preload = sdk::read_answer(response, request.kind, &wire::preload_from_json).preload;
  }
}

asio::awaitable<void> Runtime::stop_nondeterministic(const wire::Task& task, const std::string& problem) {
  if (config_.on_nondeterminism == Nondeterminism::fail) {
    log(LogLevel::error, "replay diverged from the recorded execution: its promise is rejected",
        {{"id", task.id}, {"version", std::to_string(task.version)}, {"error", problem}});
    co_await fulfill(task, sdk::error_outcome("NonDeterminismError", problem));
    co_return;
  }
  // Parked: a halted task is never dispatched, so no worker loops on it, and nothing of the
  // execution is settled wrongly; an operator continues it once fixed code is deployed.
  std::string not_halted;
  try {
    const wire::TaskHalt request{task.id};
    auto response = co_await send(request);
    if (!response.ok()) not_halted = response.message();
  } catch (const std::exception& error) {
    not_halted = error.what();
  }
  if (not_halted.empty()) {
    log(LogLevel::error,
        "replay diverged from the recorded execution: its task is halted until `resonate tasks continue " + task.id +
            "` (after deploying code that can replay it)",
        {{"id", task.id}, {"version", std::to_string(task.version)}, {"error", problem}});
    co_return;
  }
  log(LogLevel::error,
      "replay diverged from the recorded execution, and its task cannot be halted: it is released and offered again",
      {{"id", task.id}, {"version", std::to_string(task.version)}, {"error", problem}, {"halt_error", not_halted}});
  asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::seconds(1));
  co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
  co_await release(task);
}

asio::awaitable<void> Runtime::fulfill(const wire::Task& task, const Outcome& outcome) {
  const wire::TaskFulfill request{task.id, task.version, sdk::settlement(task.id, outcome, encryptor())};
  auto response = co_await send(request);
  // 409: the promise was settled meanwhile (timeout, cancel) or the lease was lost; either
  // way the outcome is decided and there is nothing left to do.
  if (response.status == 200 || response.status == 409) co_return;
  throw PlatformError("task.fulfill: " + response.message());
}

asio::awaitable<void> Runtime::release(const wire::Task& task) {
  try {
    const wire::TaskRelease request{task.id, task.version};
    co_await send(request);
  } catch (const std::exception& error) {
    // Best effort: the lease expires anyway.
    log(LogLevel::warn, "cannot release the task; it returns to the pool when its lease expires",
        {{"id", task.id}, {"version", std::to_string(task.version)}, {"error", error.what()}});
  }
}

asio::awaitable<void> Runtime::heartbeat_loop() {
  auto timer = heartbeat_timer_;
  for (;;) {
    timer->expires_after(config_.ttl / 2);
    boost::system::error_code ec;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    wire::TaskHeartbeat request{config_.pid, {}};
    {
      std::lock_guard lock(mutex_);
      if (stopped_) co_return;
      for (const auto& [id, version] : held_) request.tasks.push_back({id, version});
    }
    if (request.tasks.empty()) continue;
    try {
      co_await send(request);
    } catch (const std::exception& error) {
      // The next beat may get through; the lease is ttl, beats come every ttl/2.
      log(LogLevel::warn, "heartbeat failed; the leases of this worker's tasks lapse if it keeps failing",
          {{"error", error.what()}});
    }
  }
}

}  // namespace resonate::detail
