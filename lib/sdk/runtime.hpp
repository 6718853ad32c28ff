// The engine behind a Resonate instance: client calls, the worker loop (acquire, replay,
// fulfil/suspend/release), heartbeats, and waiting for promises to settle.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include "network/network.hpp"
#include "resonate/detail/engine.hpp"
#include "resonate/detail/function.hpp"
#include "resonate/encryptor.hpp"
#include "resonate/errors.hpp"
#include "resonate/logger.hpp"
#include "sdk/signal.hpp"
#include "sdk/wire.hpp"
#include "wire/clock.hpp"
#include "wire/envelope.hpp"
#include "wire/records.hpp"
#include "wire/responses.hpp"

namespace resonate::detail {

struct RuntimeConfig {
  std::string group = "default";
  std::string pid;
  std::chrono::milliseconds ttl{60000};
  // The bearer token of each request's envelope (head.auth), asked as each request is built;
  // unset or "" sends none.
  std::function<std::string()> token;
  // How often a waiting handle re-registers its listener (recovers lost unblock messages).
  std::chrono::milliseconds relisten_interval{60000};
  Logger logger = stderr_logger();
  // A task whose function (or version) this process has not registered: released for another
  // member of the group (a deploy may be rolling out), or — when this process is the only one
  // that can ever run it (embedded mode) — its promise rejected with UnknownFunctionError.
  bool release_unknown_functions = true;
  // When not 0: the offer of such a task at which this process gives up and rejects its
  // promise instead (RemoteConfig::reject_unknown_after).
  std::size_t reject_unknown_after = 0;
  // stop() hands the held tasks back, and executions in progress end at their next durable
  // call, so that another member takes them at once. Off in embedded mode, where nobody else
  // could: executions in progress go on to their suspension or result.
  bool hand_back_on_stop = true;
  Nondeterminism on_nondeterminism = Nondeterminism::park;
  std::shared_ptr<const Encryptor> encryptor;  // of every stored payload; empty: none
  // The time of deadlines, sleeps and ctx.now(): a test's manual clock; the system clock when
  // unset.
  std::optional<wire::Clock> manual_clock;
  Tracer tracer;  // lifecycle events; empty: none
  // The most tasks this process acquires and runs at once (RemoteConfig::max_executions); the
  // execute messages beyond wait in a queue of their own, at most max_waiting_executes (those
  // beyond are dropped: the server offers a task again). 0: no limit.
  std::size_t max_executions = 0;
  std::size_t max_waiting_executes = 100000;
};

// The logger the SDK uses for `configured`: the default (stderr, warn and above) when it is
// empty, else `configured` with its exceptions swallowed, so that a throwing logger cannot end
// an execution or the message stream.
Logger effective_logger(Logger configured);

class Runtime : public Caller, public std::enable_shared_from_this<Runtime> {
 public:
  Runtime(boost::asio::any_io_executor executor, std::shared_ptr<network::Network> network,
          RuntimeConfig config);

  void start();
  // Stops receiving work, hands the tasks this process holds back (see hand_back_on_stop) and
  // wakes every waiting handle.
  void stop();
  // True once stop() has handed the held tasks back: executions end at their next durable call.
  bool handed_back();
  // Resonate::connected: the transport's message stream is open.
  boost::asio::awaitable<void> connected(std::optional<std::chrono::milliseconds> timeout) {
    {
      std::lock_guard lock(mutex_);
      if (stopped_) throw Error("Resonate::connected: this Resonate is stopped");
    }
    return network_->wait_connected(timeout);
  }

  const RuntimeConfig& config() const { return config_; }
  // The Encryptor of every payload this runtime writes and reads (nullptr: none).
  const Encryptor* encryptor() const { return config_.encryptor.get(); }
  // Whether a tracer listens; trace() sends it `event` (with `at` set), shielded from its
  // exceptions.
  bool tracing() const { return static_cast<bool>(config_.tracer); }
  void trace(TraceEvent event) const;
  // Now, epoch ms, by the configured clock.
  std::int64_t now() const { return config_.manual_clock ? (*config_.manual_clock)() : wire::epoch_ms_now(); }
  // The deadline (epoch ms) of a sleep of `duration` from now: rounded up on the system clock,
  // so that a sleep never ends early; exact on a manual clock.
  std::int64_t deadline_in(std::chrono::milliseconds duration) const;
  boost::asio::any_io_executor executor() const override { return executor_; }

  void add_function(std::string name, int version, Invoker invoke);

  // Root calls (Resonate::run / rpc).
  boost::asio::awaitable<std::shared_ptr<Awaiter>> start(CallSpec spec) override;
  // A handle on an existing promise; throws NotFoundError.
  boost::asio::awaitable<std::shared_ptr<Awaiter>> attach(std::string id);
  boost::asio::awaitable<void> settle(std::string id, bool resolved, boost::json::value value);
  // Waits until promise `id` settles (listener + unblock, re-registered periodically).
  boost::asio::awaitable<Outcome> await_settled(std::string id);

  // Logs `message` at warn level the first time `key` comes up in this process.
  void warn_once(const std::string& key, std::string message);

  // Sends one request (wire/requests.hpp); throws PlatformError when the transport fails.
  template <typename Request>
  boost::asio::awaitable<wire::Response> send(const Request& request) {
    return send(wire::envelope_of(request, sdk::next_corr_id(), auth_token()));
  }
  boost::asio::awaitable<wire::Response> send(wire::RequestEnvelope envelope);
  // A task.fence answered in this process, typed, without JSON (embedded mode); nullopt: send it.
  std::optional<wire::FencedPromise> fence_here(const wire::TaskFence& request) { return network_->fence_here(request); }

  // The version a call of `func` asks for: the requested one, else the latest version of
  // `func` registered in this process, else 1 (what the TS SDK writes).
  int version_to_call(const std::string& func, std::optional<int> requested);

  // "workers" → "poll://any@workers"; unset → "poll://any@default".
  static std::string address_of(const std::optional<std::string>& target);

 private:
  std::optional<std::string> auth_token() const {
    auto token = config_.token ? config_.token() : std::string();
    return token.empty() ? std::nullopt : std::optional<std::string>(std::move(token));
  }
  void on_message(boost::json::object message);
  // An execute message: acquired and run now, or queued while max_executions run.
  void admit(std::string id, std::int64_t version);
  // Acquires and runs the task, then the queued ones, one after another, while any wait.
  boost::asio::awaitable<void> run_admitted(std::string id, std::int64_t version);
  // Completes when the acquired task's execution has ended (or it could not be acquired).
  boost::asio::awaitable<void> acquire(std::string id, std::int64_t version);
  boost::asio::awaitable<void> execute(wire::Task task, wire::Promise root,
                                       wire::PreloadRecords preload);
  boost::asio::awaitable<void> replay(const wire::Task& task, const wire::Promise& root,
                                      wire::PreloadRecords preload);
  boost::asio::awaitable<void> fulfill(const wire::Task& task, const Outcome& outcome);
  boost::asio::awaitable<void> release(const wire::Task& task);
  // A pass whose replay diverged from the recorded calls: parks or fails the execution.
  boost::asio::awaitable<void> stop_nondeterministic(const wire::Task& task, const std::string& problem);
  boost::asio::awaitable<void> heartbeat_loop();
  // Runs the execution of an acquired task on a strand of its own; `token` says when it ended.
  template <class CompletionToken>
  auto spawn_execution(wire::Task task, wire::Promise root, wire::PreloadRecords preload, CompletionToken&& token);
  void log(LogLevel level, std::string message, std::vector<std::pair<std::string, std::string>> fields) const;
  // Warns (once a minute per group) when the group of a call's poll `target` has no worker
  // connected: the call would wait in silence until one connects.
  void warn_if_unattended(const std::string& target);
  // True the first time `key` is reported (bounded memory: after very many distinct keys, a
  // key may be reported once more).
  bool first_report(std::string key);
  // Counts an offer of task `id` whose function is not registered here; true when it is the
  // offer at which reject_unknown_after gives up.
  bool last_offer_of_unknown(const std::string& id);
  // The registered function (name, version).
  std::shared_ptr<const Invoker> find_function(const std::string& name, int version);

  boost::asio::any_io_executor executor_;
  std::shared_ptr<network::Network> network_;
  RuntimeConfig config_;

  std::mutex mutex_;  // guards everything below
  std::map<std::pair<std::string, int>, std::shared_ptr<const Invoker>> functions_;  // (name, version)
  std::map<std::string, std::int64_t> held_;  // tasks this process executes: id → version
  std::size_t admitted_ = 0;  // run_admitted coroutines: tasks being acquired or run
  std::deque<std::pair<std::string, std::int64_t>> waiting_executes_;  // (task id, version)
  std::unordered_map<std::string, std::vector<std::weak_ptr<sdk::Signal>>> waiters_;
  // Settled records that unblock messages brought for awaited promises, taken by their waiters
  // instead of asking the server again; dropped with the promise's last waiter.
  std::unordered_map<std::string, wire::Promise> unblocked_;
  std::shared_ptr<boost::asio::steady_timer> heartbeat_timer_;
  std::map<std::string, std::chrono::steady_clock::time_point> unattended_checked_;  // group → last check
  std::set<std::string> reported_;  // keys of things logged once (first_report)
  std::map<std::string, std::size_t> unknown_offers_;  // task id → offers seen (reject_unknown_after)
  bool stopped_ = false;
};

}  // namespace resonate::detail
