#include "server/server.hpp"

#include <unistd.h>

#include <csignal>
#include <cstring>
#include <stdexcept>

#include <boost/asio/post.hpp>

#include "server/background_loops.hpp"
#include "server/delivery.hpp"
#include "server/http_session.hpp"
#include "server/server_state.hpp"
#include "server/store_spec.hpp"
#include "server/tls_server.hpp"

namespace resonate::server {

using tcp = asio::ip::tcp;

namespace {

std::optional<Authorizer> make_authorizer(const ServerConfig& config) {
  if (config.auth_public_key.empty()) return std::nullopt;
  return Authorizer(JwtVerifier::from_pem_file(config.auth_public_key,
                                               JwtOptions{config.auth_issuer, config.auth_audience}));
}

core::CoreOptions core_options(const ServerConfig& config, const std::optional<Authorizer>& authorizer) {
  core::CoreOptions options;
  options.debug = config.debug;
  options.retry_interval = config.retry_interval.count();
  options.max_request_bytes = config.max_body_bytes;
  if (authorizer) {
    // Token expiry is judged by the wall clock, never by a request's debug time.
    options.authorize = [&authorizer = *authorizer](const boost::json::object& envelope,
                                                    const core::RequestMetadata& metadata) {
      return authorizer.authorize(envelope, metadata.authorization, std::chrono::system_clock::now());
    };
  }
  return options;
}

std::string default_replica_id() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::strcpy(host, "resonate");
  return std::string(host) + "-" + std::to_string(::getpid());
}

// Logs what escapes a detached coroutine instead of terminating the server.
auto log_failure(Logger& log, std::string_view what) {
  return [&log, what](std::exception_ptr failure) {
    if (!failure) return;
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& error) {
      log.error("task failed", {{"task", what}, {"error", error.what()}});
    }
  };
}

asio::awaitable<void> accept_connections(ServerState& state) {
  while (!state.stopping) {
    auto [error, socket] = co_await state.acceptor.async_accept();
    if (state.stopping) break;
    if (error) {
      // Out of descriptors and the like: back off briefly instead of spinning.
      state.log.warn("accept failed", {{"error", error.message()}});
      Timer pause(state.io, std::chrono::milliseconds(100));
      co_await pause.async_wait();
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    asio::co_spawn(state.io, serve_http_connection(state, std::move(socket)), log_failure(state.log, "connection"));
  }
}

tcp::endpoint resolve_listen_endpoint(asio::io_context& io, const ServerConfig& config) {
  boost::system::error_code error;
  const auto address = asio::ip::make_address(config.host, error);
  if (!error) return {address, config.port};
  tcp::resolver resolver(io);
  const auto results = resolver.resolve(config.host, std::to_string(config.port));
  return results.begin()->endpoint();
}

std::string host_for_url(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  if (address.is_v6()) return "[" + address.to_string() + "]";
  return address.to_string();
}

}  // namespace

ServerState::ServerState(ServerConfig config_in, core::Store& store)
    : config(std::move(config_in)),
      log(config.log_level),
      replica_id(config.replica_id.empty() ? default_replica_id() : config.replica_id),
      authorizer(make_authorizer(config)),
      core(store, core_options(config, authorizer)),
      tls(make_server_tls(config)),
      registry(config.max_sse_connections, SseQueue::Limits{config.sse_queue_capacity, config.sse_queue_bytes},
               config.park_time, 1000, config.max_parked_bytes) {
  shared_store = store.shared();
  // Among replicas every line says whose it is; a lone server's lines stay as they were.
  if (shared_store || !config.replica_id.empty()) log.add_constant_field("replica", replica_id);
  // debug.start pauses one core's loops: with debug operations, one core does everything.
  for (std::size_t more = 1; shared_store && !config.debug && more < config.store_connections; ++more) {
    std::unique_ptr<core::Store> connection;
    try {
      connection = store.another_connection();
    } catch (const std::exception& error) {
      // The first connection serves everything (a stalled batch then holds up the others).
      log.warn("store: cannot open another connection; serving on fewer",
               {{"connections", 1 + more_cores.size()}, {"wanted", config.store_connections}, {"error", error.what()}});
      break;
    }
    if (!connection) break;
    more_cores.push_back(std::make_unique<BatchCore>(std::move(connection), core_options(config, authorizer)));
    batcher.add_lane(more_cores.back()->core, more_cores.back()->thread.get_executor());
  }
}

void ServerState::join_cores() {
  core_thread.join();
  for (auto& more : more_cores) more->thread.join();
}


void ServerState::request_delivery() {
  delivery_requested = true;
  delivery_wakeup.cancel();
}

RequestBatcher::Outbox ServerState::batch_outbox() {
  return {
      .take =
          [this](std::uint64_t batch) -> std::optional<core::OutboxTake> {
            if (core.loops_paused()) return std::nullopt;
            core::OutboxTake take;
            if (shared_store) take.routes = registry.routes();
            take.limit = delivery_batch;
            announcements.batch_began(batch);
            return take;
          },
      .deliver =
          [this](std::uint64_t batch, core::OutboxTake& taken) {
            for (const auto& message : taken.messages) deliver(*this, message);
            const bool full = taken.messages.size() >= taken.limit;  // more may wait
            if (announcements.batch_finished(batch, taken.took && !full) || full) request_delivery();
          },
  };
}

void ServerState::announced() {
  if (announcements.announced()) request_delivery();
}

void ServerState::tick_by(std::optional<wire::Millis> deadline) {
  if (ticks.lower(deadline)) tick_timer.cancel();
}

void ServerState::shut_down() {
  if (stopping) return;
  stopping = true;
  log.info("shutting down");
  boost::system::error_code ignored;
  acceptor.close(ignored);
  // A second SIGINT/SIGTERM during the shutdown then terminates the process the default way.
  signals.cancel(ignored);
  signals.clear(ignored);
  tick_timer.cancel();
  delivery_wakeup.cancel();
  feed_retry.cancel();
  if (feed_socket) feed_socket->cancel(ignored);
  registry.close_all();
  // Idle keep-alive connections are cut now; busy ones close after their response.
  for (auto* slot : connections) {
    if (slot->idle) slot->stream->cancel();
  }
}

Server::Server(ServerConfig config, core::Store& store) : state_(std::make_unique<ServerState>(std::move(config), store)) {
  auto& state = *state_;
  try {
    const auto endpoint = resolve_listen_endpoint(state.io, state.config);
    state.acceptor.open(endpoint.protocol());
    state.acceptor.set_option(tcp::acceptor::reuse_address(true));
    state.acceptor.bind(endpoint);
    state.acceptor.listen(asio::socket_base::max_listen_connections);
  } catch (const boost::system::system_error& error) {
    throw std::runtime_error("cannot listen on " + state.config.host + ":" + std::to_string(state.config.port) + ": " +
                             error.code().message());
  }
  const std::string scheme = state.tls ? "https://" : "http://";
  state.external_url = state.config.external_url.empty()
                           ? scheme + host_for_url(state.acceptor.local_endpoint()) + ":" + std::to_string(port())
                           : state.config.external_url;
}

Server::~Server() {
  // A server destroyed without run() still owns started core threads.
  state_->join_cores();
}

std::uint16_t Server::port() const { return state_->acceptor.local_endpoint().port(); }

const std::string& Server::external_url() const { return state_->external_url; }

void Server::run() {
  auto& state = *state_;
  if (state.config.handle_signals) {
    state.signals.add(SIGINT);
    state.signals.add(SIGTERM);
    state.signals.async_wait([&state](const boost::system::error_code& error, int signal) {
      if (error) return;
      state.log.info("signal received", {{"signal", signal}});
      state.shut_down();
    });
  }
  asio::co_spawn(state.io, accept_connections(state), log_failure(state.log, "accept"));
  asio::co_spawn(state.io, run_ticker(state), log_failure(state.log, "ticker"));
  asio::co_spawn(state.io, run_delivery_loop(state), log_failure(state.log, "delivery"));
  if (state.shared_store) asio::co_spawn(state.io, run_store_feed(state), log_failure(state.log, "store feed"));

  const auto endpoint = state.acceptor.local_endpoint();
  state.log.info("listening", {{"addr", host_for_url(endpoint) + ":" + std::to_string(endpoint.port())},
                               {"port", endpoint.port()},
                               {"store", describe_store(state.config.store)},
                               {"store_connections", 1 + state.more_cores.size()},
                               {"replica", state.replica_id},
                               {"url", state.external_url},
                               {"auth", state.authorizer ? "jwt" : "off"},
                               {"tls", state.tls ? "on" : "off"}});
  state.io.run();
  state.join_cores();
  state.log.info("stopped");
}

void Server::stop() {
  asio::post(state_->io, [&state = *state_] { state.shut_down(); });
}

}  // namespace resonate::server
