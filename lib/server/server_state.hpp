// What the parts of a running server share (internal to lib/server).
//
// Threading model: two threads.
//  - The I/O thread runs `io`: accepting, HTTP parsing, SSE streams, routing, metrics, the
//    ticker and delivery loops. Everything here except `core`/`store` lives on this thread only,
//    so the registry, metrics and session bookkeeping need no locks.
//  - The core thread (`core_thread`, one thread) runs every Core and Store call. Storage is
//    blocking (SQLite fsyncs at each commit; PostgreSQL waits on the network) and the store
//    serialises transactions anyway, so one dedicated thread loses no parallelism, keeps the
//    I/O thread responsive to other connections and SSE keep-alives while a commit is on
//    disk, and gives the core calls a total order without any further locking.
//  - With a shared store (PostgreSQL), ServerConfig::store_connections - 1 more cores, each
//    with a connection and a thread of its own, run batches of requests only (`more_cores`)
//    when the core thread's batch stalls (RequestBatcher): their transactions run beside it,
//    as another replica's would.
// Coroutines hop between the I/O thread and the core thread with on_core().
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/core.hpp"
#include "core/tick_schedule.hpp"
#include "server/announcements.hpp"
#include "server/authorization.hpp"
#include "server/awaitable_io.hpp"
#include "server/config.hpp"
#include "server/log.hpp"
#include "server/metrics.hpp"
#include "server/request_batcher.hpp"
#include "server/sse_registry.hpp"
#include "wire/records.hpp"

namespace resonate::server {

namespace asio = boost::asio;

// An HTTP connection as seen by shutdown: idle ones (waiting for the next request) are cut,
// busy ones finish their response and then close.
struct HttpConnectionSlot {
  Stream* stream = nullptr;
  bool idle = true;
};

struct ServerState {
  ServerState(ServerConfig config, core::Store& store);

  ServerConfig config;
  Logger log;
  // This server's name among replicas (config.replica_id, or HOSTNAME-PID).
  std::string replica_id;
  // Set when authentication is on; declared before `core`, whose authorize callback uses it.
  std::optional<Authorizer> authorizer;
  core::Core core;
  // Set with --tls-cert/--tls-key: every accepted connection speaks TLS.
  std::optional<asio::ssl::context> tls;

  asio::io_context io{1};
  asio::thread_pool core_thread{1};
  RequestBatcher batcher{core, io.get_executor(), core_thread.get_executor(), config.max_commit_batch,
                        batch_outbox()};
  // A core for batches of requests beside `core`, on a connection and thread of its own.
  struct BatchCore {
    BatchCore(std::unique_ptr<core::Store> connection, core::CoreOptions options)
        : store(std::move(connection)), core(*store, std::move(options)) {}
    std::unique_ptr<core::Store> store;
    core::Core core;
    asio::thread_pool thread{1};
  };
  std::vector<std::unique_ptr<BatchCore>> more_cores;
  Acceptor acceptor{io};
  asio::signal_set signals{io};
  Timer tick_timer{io};
  // When the ticker next runs Core::tick: the earliest known deadline, at most tick_interval away.
  core::TickSchedule ticks{config.tick_interval.count(), wire::epoch_ms_now()};
  Timer delivery_wakeup{io};
  bool delivery_requested = false;
  // A store shared with other replicas (PostgreSQL): delivery takes only what this server's
  // streams can carry, and the feed of the others' announcements wakes it.
  bool shared_store = false;
  std::optional<Descriptor> feed_socket;
  Timer feed_retry{io};
  // When delivery last dropped messages that waited park_time for a member (a statement of its
  // own: done at most once a second, not at every delivery).
  wire::Millis outbox_expired_at = 0;
  // What other replicas announced, and whether a take already covers it.
  Announcements announcements;

  SseRegistry registry;
  Metrics metrics{replica_id};
  std::set<HttpConnectionSlot*> connections;
  std::string external_url;
  bool stopping = false;

  // Runs `work()` on the core thread and resumes the caller on its own executor with the result
  // (or the exception).
  template <class Work>
  asio::awaitable<std::invoke_result_t<Work&>> on_core(Work work) {
    return on(core_thread.get_executor(), std::move(work));
  }

  // Runs `work(store)` with the store of a second core, on its thread, when there is one (its
  // connection is idle unless a batch stalls), else as on_core(): for long reads (/metrics'
  // counts) that ticks, deliveries and batches on the first core need not wait for.
  template <class Work>
  asio::awaitable<std::invoke_result_t<Work&, core::Store&>> on_spare_core(Work work) {
    const bool spare = !more_cores.empty();
    auto& store = spare ? *more_cores.front()->store : core.store();
    auto thread = spare ? more_cores.front()->thread.get_executor() : core_thread.get_executor();
    return on(thread, [work = std::move(work), &store]() mutable { return work(store); });
  }

  // Runs `work()` on a core's `thread`; the caller resumes on its own executor.
  template <class Work>
  static asio::awaitable<std::invoke_result_t<Work&>> on(asio::thread_pool::executor_type thread, Work work) {
    using Result = std::invoke_result_t<Work&>;
    co_return co_await asio::co_spawn(
        thread, [work = std::move(work)]() mutable -> asio::awaitable<Result> { co_return work(); }, asio::use_awaitable);
  }

  // Wakes the delivery loop now instead of at its next 100 ms beat (after a tick, a debug
  // operation, or a batch that left messages in the outbox).
  void request_delivery();

  // A batch of requests takes the outbox messages it produced in its own transaction and
  // delivers them after its commit (not while debug.start pauses delivery).
  RequestBatcher::Outbox batch_outbox();

  // Another replica committed messages this server's streams can carry: a batch that begins
  // next takes them, or the delivery loop when no batch is running.
  void announced();

  // Wakes the ticker by `deadline` when that is earlier than it planned (after a request that
  // wrote a deadline, e.g. a short timer or a lease).
  void tick_by(std::optional<wire::Millis> deadline);

  // Begins the graceful shutdown (I/O thread only).
  void shut_down();
  // Waits for the cores' threads to finish what was posted to them.
  void join_cores();

  // Over all cores (Core::conflicts, Core::batch_reruns).
  std::uint64_t conflicts() const { return sum_over_cores(&core::Core::conflicts); }
  std::uint64_t batch_reruns() const { return sum_over_cores(&core::Core::batch_reruns); }

 private:
  std::uint64_t sum_over_cores(std::uint64_t (core::Core::*count)() const) const {
    auto total = (core.*count)();
    for (const auto& more : more_cores) total += (more->core.*count)();
    return total;
  }
};

}  // namespace resonate::server
