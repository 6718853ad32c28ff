#include "server/config.hpp"

#include <charconv>
#include <optional>
#include <string_view>

namespace resonate::server {

namespace {

std::uint16_t parse_port(std::string_view text, std::string_view origin) {
  unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value > 65535) {
    throw UsageError(std::string(origin) + ": invalid port '" + std::string(text) + "'");
  }
  return static_cast<std::uint16_t>(value);
}

// The longest duration a setting may have: 100 years. Durations become steady_clock deadlines
// (nanoseconds: 2^63 ns is 292 years) and protocol deadlines; beyond this they would wrap.
constexpr long long longest_setting_ms = 100LL * 366 * 24 * 60 * 60 * 1000;

std::chrono::milliseconds parse_millis(std::string_view text, std::string_view origin) {
  long long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value <= 0) {
    throw UsageError(std::string(origin) + ": expected a positive number of milliseconds, got '" + std::string(text) + "'");
  }
  if (value > longest_setting_ms) {
    throw UsageError(std::string(origin) + ": at most " + std::to_string(longest_setting_ms) +
                     " milliseconds (100 years), got '" + std::string(text) + "'");
  }
  return std::chrono::milliseconds(value);
}

}  // namespace

std::string usage() {
  return "usage: resonate-server serve [options]\n"
         "\n"
         "options (flags win over environment variables):\n"
         "  --host HOST              address to bind (env RESONATE_HOST, default 127.0.0.1)\n"
         "  --port PORT              port to bind, 0 for any free port (env RESONATE_PORT, default 8001)\n"
         "  --store STORE            SQLite file, PostgreSQL conninfo (postgres://... or\n"
         "                           'host=... dbname=...'), or 'memory'\n"
         "                           (env RESONATE_STORE, default resonate.db)\n"
         "  --url URL                external URL given to workers (default http://HOST:PORT)\n"
         "  --replica-id ID          this server's name among replicas sharing one PostgreSQL database, in\n"
         "                           logs and /metrics (env RESONATE_REPLICA_ID, default HOSTNAME-PID)\n"
         "  --debug                  enable debug.* operations and head.resonate:debug_time\n"
         "  --log-level LEVEL        debug | info | warn | error (default info; debug logs every request)\n"
         "  --retry-interval-ms N    re-send execute for pending tasks every N ms (default 30000)\n"
         "  --store-connections N    PostgreSQL: connections for batches of requests; another takes the\n"
         "                           waiting ones when a batch stalls 10 ms (1-16, default 2; SQLite\n"
         "                           and memory use one)\n"
         "  --auth-public-key PEM    require a JWT signed by this public key (RSA, EC P-256/P-384\n"
         "                           or Ed25519) on every request but /health and /ready\n"
         "                           (env RESONATE_AUTH_PUBLIC_KEY, default: no authentication)\n"
         "  --auth-issuer ISS        also require the token's iss claim (env RESONATE_AUTH_ISSUER)\n"
         "  --auth-audience AUD      also require AUD in the token's aud claim (env RESONATE_AUTH_AUDIENCE)\n"
         "  --tls-cert PEM           serve HTTPS (and SSE over TLS) with this certificate chain, the\n"
         "                           server's certificate first (env RESONATE_TLS_CERT; needs --tls-key)\n"
         "  --tls-key PEM            the certificate's private key (env RESONATE_TLS_KEY; default: plain HTTP)\n"
         "  -h, --help               show this help\n";
}

Command parse_command_line(const std::vector<std::string>& arguments,
                           const std::function<const char*(const char*)>& environment) {
  Command command;
  auto& config = command.config;
  if (arguments.empty()) throw UsageError("missing command (expected 'serve')");

  std::size_t index = 0;
  if (arguments[0] == "--help" || arguments[0] == "-h") {
    command.help = true;
    return command;
  }
  if (arguments[0] != "serve") throw UsageError("unknown command '" + arguments[0] + "' (expected 'serve')");
  ++index;

  if (const char* host = environment("RESONATE_HOST"); host && *host) config.host = host;
  if (const char* port = environment("RESONATE_PORT"); port && *port) config.port = parse_port(port, "RESONATE_PORT");
  if (const char* store = environment("RESONATE_STORE"); store && *store) config.store = store;
  if (const char* key = environment("RESONATE_AUTH_PUBLIC_KEY"); key && *key) config.auth_public_key = key;
  if (const char* issuer = environment("RESONATE_AUTH_ISSUER"); issuer && *issuer) config.auth_issuer = issuer;
  if (const char* audience = environment("RESONATE_AUTH_AUDIENCE"); audience && *audience) config.auth_audience = audience;
  if (const char* cert = environment("RESONATE_TLS_CERT"); cert && *cert) config.tls_cert = cert;
  if (const char* key = environment("RESONATE_TLS_KEY"); key && *key) config.tls_key = key;
  if (const char* replica = environment("RESONATE_REPLICA_ID"); replica && *replica) config.replica_id = replica;

  for (; index < arguments.size(); ++index) {
    std::string_view argument = arguments[index];
    if (argument == "--help" || argument == "-h") {
      command.help = true;
      return command;
    }
    if (!argument.starts_with("--")) throw UsageError("unexpected argument '" + std::string(argument) + "'");

    // --name=value or --name value
    std::string name(argument);
    std::optional<std::string> inline_value;
    if (const auto equals = name.find('='); equals != std::string::npos) {
      inline_value = name.substr(equals + 1);
      name.resize(equals);
    }
    auto value = [&]() -> std::string {
      if (inline_value) return *inline_value;
      if (index + 1 >= arguments.size()) throw UsageError(name + " needs a value");
      return arguments[++index];
    };

    if (name == "--debug") {
      if (inline_value) throw UsageError("--debug takes no value");
      config.debug = true;
    } else if (name == "--host") {
      config.host = value();
      if (config.host.empty()) throw UsageError("--host: empty host");
    } else if (name == "--port") {
      config.port = parse_port(value(), "--port");
    } else if (name == "--store") {
      config.store = value();
      if (config.store.empty()) throw UsageError("--store: empty store");
    } else if (name == "--url") {
      config.external_url = value();
      if (!config.external_url.starts_with("http://") && !config.external_url.starts_with("https://")) {
        throw UsageError("--url: expected an http:// or https:// URL, got '" + config.external_url + "'");
      }
      while (config.external_url.ends_with('/')) config.external_url.pop_back();
    } else if (name == "--replica-id") {
      config.replica_id = value();
      if (config.replica_id.empty()) throw UsageError("--replica-id: empty id");
    } else if (name == "--log-level") {
      const auto text = value();
      const auto level = log_level_from(text);
      if (!level) throw UsageError("--log-level: expected debug, info, warn or error, got '" + text + "'");
      config.log_level = *level;
    } else if (name == "--retry-interval-ms") {
      config.retry_interval = parse_millis(value(), "--retry-interval-ms");
    } else if (name == "--store-connections") {
      const auto text = value();
      std::size_t connections = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), connections);
      if (error != std::errc() || end != text.data() + text.size() || connections < 1 || connections > 16) {
        throw UsageError("--store-connections: expected a number from 1 to 16, got '" + text + "'");
      }
      config.store_connections = connections;
    } else if (name == "--auth-public-key") {
      config.auth_public_key = value();
      if (config.auth_public_key.empty()) throw UsageError("--auth-public-key: empty path");
    } else if (name == "--auth-issuer") {
      config.auth_issuer = value();
    } else if (name == "--auth-audience") {
      config.auth_audience = value();
    } else if (name == "--tls-cert") {
      config.tls_cert = value();
      if (config.tls_cert.empty()) throw UsageError("--tls-cert: empty path");
    } else if (name == "--tls-key") {
      config.tls_key = value();
      if (config.tls_key.empty()) throw UsageError("--tls-key: empty path");
    } else {
      throw UsageError("unknown option '" + name + "'");
    }
  }
  if (config.auth_public_key.empty() && (!config.auth_issuer.empty() || !config.auth_audience.empty())) {
    throw UsageError("--auth-issuer and --auth-audience need --auth-public-key");
  }
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    throw UsageError(config.tls_cert.empty() ? "--tls-key needs --tls-cert" : "--tls-cert needs --tls-key");
  }
  return command;
}

}  // namespace resonate::server
