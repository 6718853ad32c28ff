// Configuration of a Resonate instance and options of individual durable calls.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "resonate/logger.hpp"
#include "resonate/tracing.hpp"

namespace resonate {

class Encryptor;

using Tags = std::map<std::string, std::string>;

// How a failing durable step (ctx.run), or a called function (Call::retry), is retried by
// the worker that runs it. Attempts stop early when the next attempt would start after the
// promise's timeout, and at once for a NonRetryableError.
struct RetryPolicy {
  enum class Growth { exponential, linear };

  std::chrono::milliseconds initial_delay{1000};  // before the first retry
  double factor = 2.0;  // exponential: delay of retry n+1 = delay of retry n * factor
  std::chrono::milliseconds max_delay{30000};
  int max_retries = 10;  // retries after the first attempt
  Growth growth = Growth::exponential;  // linear: retry n (1-based) waits initial_delay * n

  // The default: 1 s, 2 s, 4 s ... capped at 30 s, 10 retries.
  static RetryPolicy exponential() { return {}; }
  static RetryPolicy constant(std::chrono::milliseconds delay, int max_retries) {
    return {delay, 1.0, delay, max_retries};
  }
  static RetryPolicy linear(std::chrono::milliseconds delay, int max_retries) {
    return {delay, 1.0, std::chrono::milliseconds::max(), max_retries, Growth::linear};
  }
  static RetryPolicy never() { return {std::chrono::milliseconds{0}, 1.0, std::chrono::milliseconds{0}, 0}; }
};

// Per-call options. Unset fields take the documented defaults.
struct Options {
  // Where the call executes: an address ("poll://any@workers") or a bare group name
  // ("workers" means "poll://any@workers"). Default: "poll://any@default".
  // (Every member has an initializer, so designated initializers may name only some of them
  // without -Wmissing-field-initializers.)
  std::optional<std::string> target{};
  // Relative deadline of the promise. Default 24 h; children never outlive their parent.
  std::optional<std::chrono::milliseconds> timeout{};
  // Extra tags on the promise (the SDK's own resonate:* tags are set after these).
  Tags tags{};
  // Version of the registered function to call. Unset: the latest version registered in the
  // calling process, or 1 when it has none (as the TS SDK does).
  std::optional<int> version{};
  // The name of a ctx.run step, recorded with its checkpoint and compared on replay
  // (non-determinism detection). Unset: the step's signature, e.g. "int (std::string)".
  std::optional<std::string> name{};
  // Retry policy of a ctx.run step (RetryPolicy::exponential() when unset), or of a called
  // function (Call::retry): stored in the call's promise (as the TS SDK stores it), the worker
  // that executes the function retries it by this policy. Calls are not retried when unset.
  std::optional<RetryPolicy> retry{};
};

// What a worker does with an execution whose replay makes a different durable call than the
// one recorded at the same position (NonDeterminismError; docs/concepts.md "Determinism").
enum class Nondeterminism {
  // Logs the error and halts the execution's task (`task.halt`): nothing runs it until an
  // operator continues it (`resonate tasks continue <id>`) once code that can replay it is
  // deployed. Nothing is lost or settled wrongly.
  park,
  // Rejects the execution's promise with NonDeterminismError.
  fail,
};

// An embedded Resonate: the protocol core and a store run inside this process.
struct LocalConfig {
  std::string group = "default";
  std::string pid;  // random when empty
  std::chrono::milliseconds ttl{60000};
  // SQLite database file; empty keeps everything in memory.
  std::string store_path;
  // The longest wait between two checks of timeouts, timers and leases; each one is also
  // checked at its own deadline.
  std::chrono::milliseconds tick_interval{100};
  // Where the SDK reports what goes wrong; empty: stderr, warn and above (resonate/logger.hpp).
  Logger logger;
  Nondeterminism on_nondeterminism = Nondeterminism::park;
  // Encrypts every param and value before it is stored (resonate/encryptor.hpp); empty: none.
  std::shared_ptr<const Encryptor> encryptor;
  // Receives the lifecycle events of executions and steps (resonate/tracing.hpp); empty: none.
  Tracer tracer;
};

// A client/worker of a resonate-server. Empty fields fall back to the environment
// (RESONATE_URL, RESONATE_TOKEN, RESONATE_CA_FILE), then to the defaults.
struct RemoteConfig {
  // http://host[:port][/path] or https://host[:port][/path]; default "http://127.0.0.1:8001".
  // Requests go to `POST /path/` (`POST /` without a path), the message stream to
  // `GET /path/poll/<group>/<pid>`. Resonate::remote throws Error for a malformed URL.
  // Several replicas of one server (sharing one PostgreSQL database) are given as a
  // comma-separated list: requests and the message stream go to the first, and move on to the
  // next when it cannot be reached (docs/deployment.md, "Replicas").
  std::string url;
  std::string group = "default";
  std::string pid;  // random when empty
  std::chrono::milliseconds ttl{60000};
  std::string token;  // bearer token (JWT) when the server has auth on
  // When set, the bearer token of each request: called (on any thread of the executor,
  // possibly concurrently; keep it cheap, e.g. return a cached token) every time a request or
  // the message stream's connection is built, so that a token refreshed before it expires is
  // used from the next request on. Wins over `token` and RESONATE_TOKEN; "" sends no token.
  // What it throws fails that request: a resonate::Error as it is (throw AuthError for
  // credentials that cannot work), anything else as a PlatformError, which the SDK retries
  // where it retries server failures.
  std::function<std::string()> token_provider{};
  // https:// only: a PEM file of the CA certificates to trust instead of the system CA store
  // (for a private CA or a self-signed server certificate). Empty: the system CA store.
  std::string ca_file;
  // Where the SDK reports what goes wrong; empty: stderr, warn and above (resonate/logger.hpp).
  Logger logger;
  // How long one request to the server may take (connect, send, answer); must be positive.
  std::chrono::milliseconds request_timeout{10000};
  // The most connections to the server open at once, kept open between requests; a request
  // made while all are busy waits for one (within request_timeout). HTTP/1.1 carries one
  // request at a time per connection: a worker's throughput grows with them up to its load
  // (measured: 64 concurrent calls, 2,449–2,736 invocations/s with 16, 2,988–3,272 with 64).
  // At least 1.
  std::size_t max_connections = 64;
  // The most tasks this process acquires and runs at once; offers beyond wait in a queue
  // (100,000 at most; the server offers a task again after its retry timeout) and are taken as
  // executions end or suspend. Bounds a worker's memory when a burst of work arrives: each
  // execution in progress holds its coroutine frames. 0: no limit.
  std::size_t max_executions = 1000;
  // A task for a function (or version) this process has not registered is released for
  // another member of the group — a deploy may be rolling out. When not 0, this process
  // rejects the promise with UnknownFunctionError at the n-th offer of the same task instead.
  // 0 (the default): never, the task waits for a member that has the function.
  std::size_t reject_unknown_after = 0;
  Nondeterminism on_nondeterminism = Nondeterminism::park;
  // Encrypts every param and value before it is stored (resonate/encryptor.hpp); empty: none.
  std::shared_ptr<const Encryptor> encryptor;
  // Receives the lifecycle events of executions and steps (resonate/tracing.hpp); empty: none.
  Tracer tracer;
};

}  // namespace resonate
