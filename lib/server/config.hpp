// The settings of resonate-server and the command line that sets them.
//
// `resonate-server serve [--host H] [--port P] [--store S] [--url U] [--debug] [--log-level L]
// [--retry-interval-ms N] [--store-connections N] [--auth-public-key PEM] [--auth-issuer I]
// [--auth-audience A] [--tls-cert PEM --tls-key PEM] [--replica-id ID]`; RESONATE_HOST,
// RESONATE_PORT, RESONATE_STORE, RESONATE_REPLICA_ID, RESONATE_AUTH_PUBLIC_KEY,
// RESONATE_AUTH_ISSUER, RESONATE_AUTH_AUDIENCE, RESONATE_TLS_CERT and RESONATE_TLS_KEY are
// fallbacks for the flags of the same name (a flag wins over the environment, the environment
// over the default).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "server/log.hpp"

namespace resonate::server {

using namespace std::chrono_literals;

struct ServerConfig {
  std::string host = "127.0.0.1";  // loopback unless told otherwise
  std::uint16_t port = 8001;       // 0 picks a free port (tests)
  std::string store = "resonate.db";
  // The URL workers are told to call back (head.serverUrl of execute messages); empty means
  // http://{host}:{bound port}, or https:// with TLS.
  std::string external_url;
  // The name of this server among the replicas sharing one PostgreSQL database, in its log
  // lines and /metrics; empty: "<hostname>-<process id>".
  std::string replica_id;
  bool debug = false;  // enables debug.* operations
  LogLevel log_level = LogLevel::info;

  // Bearer-token (JWT) authentication, off while auth_public_key is empty (docs/security.md).
  std::string auth_public_key;  // path of a PEM public key: RSA, EC P-256/P-384 or Ed25519
  std::string auth_issuer;      // required `iss` claim when non-empty
  std::string auth_audience;    // required `aud` claim when non-empty

  // HTTPS (and SSE over TLS) when both are set, plain HTTP when neither (tls_server.hpp).
  std::string tls_cert;  // PEM certificate chain: the server's certificate first
  std::string tls_key;   // PEM private key of that certificate

  // Protocol timing.
  std::chrono::milliseconds retry_interval = 30000ms;  // re-send execute for pending tasks
  // Group commit: the most `POST /` requests one store transaction holds.
  std::size_t max_commit_batch = 256;
  // A shared store (PostgreSQL): connections that each run a batch of requests; the others
  // take the waiting requests when a batch stalls (RequestBatcher::stall_after). SQLite and
  // the memory store have one writer; --debug uses one (debug.start pauses the one core).
  std::size_t store_connections = 2;
  std::chrono::milliseconds tick_interval = 1000ms;    // longest wait between ticks; each deadline also ticks
  std::chrono::milliseconds delivery_interval = 100ms; // outbox drain when nothing pokes it

  // Robustness limits.
  std::size_t max_body_bytes = 2 * 1024 * 1024;
  std::chrono::milliseconds read_timeout = 30000ms;   // whole header + body of one request
  std::chrono::milliseconds write_timeout = 30000ms;  // one response, one SSE write
  std::chrono::milliseconds sse_keepalive = 15000ms;  // comment on idle streams
  std::size_t max_sse_connections = 1000;
  // What one SSE stream may hold for its client (queued and being written), in messages and in
  // bytes; past either its client is taken as not reading and the stream is cut. One message
  // larger than the byte bound still passes, alone.
  std::size_t sse_queue_capacity = 10000;
  std::size_t sse_queue_bytes = 8 * 1024 * 1024;
  // How long a message waits for a member of its group to connect (parked in memory, or in a
  // shared outbox for replicas) before it is dropped; retry timers re-send executes.
  std::chrono::milliseconds park_time = 5min;
  // All messages parked for groups with no connected member, in bytes; the oldest go first.
  std::size_t max_parked_bytes = 64 * 1024 * 1024;
  std::chrono::milliseconds push_timeout = 2000ms;    // outbound POST to http:// addresses

  // Stop gracefully on SIGINT/SIGTERM (the binary); in-process tests call Server::stop().
  bool handle_signals = false;
};

// A command line that cannot be honoured; the binary prints it with the usage and exits 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Command {
  bool help = false;  // --help: print usage(), exit 0
  ServerConfig config;
};

// Parses argv[1..] (the subcommand first). `environment` looks a variable up (nullptr when
// unset); it is a parameter so tests need not touch the process environment.
Command parse_command_line(const std::vector<std::string>& arguments,
                           const std::function<const char*(const char*)>& environment);

std::string usage();

}  // namespace resonate::server
