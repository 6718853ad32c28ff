// Resonate and its remote mode. Resonate::local lives in resonate_local.cpp, in the embedded
// library: this file must not need the core or a store.
#include <cstdlib>

#include "network/http_network.hpp"
#include "resonate/errors.hpp"
#include "resonate/resonate.hpp"
#include "sdk/pid.hpp"
#include "sdk/runtime.hpp"
#include "sdk/wire.hpp"

namespace resonate {

namespace {

// The user's token provider with what it throws made a resonate::Error: an Error passes as it
// is (an AuthError ends the calls that meet it), anything else becomes a PlatformError, which
// is retried where server failures are.
std::function<std::string()> checked_token_provider(std::function<std::string()> provider) {
  if (!provider) return {};
  return [provider = std::move(provider)]() -> std::string {
    try {
      return provider();
    } catch (const Error&) {
      throw;
    } catch (const std::exception& error) {
      throw PlatformError(std::string("RemoteConfig::token_provider failed: ") + error.what());
    } catch (...) {
      throw PlatformError("RemoteConfig::token_provider failed with an unknown exception");
    }
  };
}

}  // namespace

Resonate::Resonate(std::shared_ptr<detail::Runtime> runtime) : runtime_(std::move(runtime)) {}

Resonate Resonate::remote(boost::asio::any_io_executor executor, RemoteConfig config) {
  auto from_env = [](std::string& field, const char* name) {
    if (field.empty()) {
      if (const char* value = std::getenv(name)) field = value;
    }
  };
  from_env(config.url, "RESONATE_URL");
  from_env(config.token, "RESONATE_TOKEN");
  from_env(config.ca_file, "RESONATE_CA_FILE");
  if (config.url.empty()) config.url = "http://127.0.0.1:8001";
  if (config.request_timeout <= std::chrono::milliseconds::zero()) {
    throw Error("RemoteConfig::request_timeout must be positive, not " + std::to_string(config.request_timeout.count()) +
                " ms");
  }
  if (config.max_connections == 0) throw Error("RemoteConfig::max_connections must be at least 1");
  network::HttpConfig http;
  http.url = config.url;
  http.group = config.group;
  http.pid = config.pid.empty() ? sdk::random_pid() : config.pid;
  http.token = config.token;
  http.token_provider = checked_token_provider(std::move(config.token_provider));
  http.ca_file = config.ca_file;
  http.request_timeout = config.request_timeout;
  http.max_connections = config.max_connections;
  const auto logger = detail::effective_logger(std::move(config.logger));
  http.logger = logger;
  detail::RuntimeConfig runtime_config;
  runtime_config.logger = logger;
  runtime_config.group = config.group;
  runtime_config.pid = http.pid;
  runtime_config.ttl = config.ttl;
  runtime_config.max_executions = config.max_executions;
  // The envelopes' head.auth: the same token as the Authorization header.
  runtime_config.token = http.token_provider ? http.token_provider
                                             : std::function<std::string()>([token = config.token] { return token; });
  runtime_config.reject_unknown_after = config.reject_unknown_after;
  runtime_config.on_nondeterminism = config.on_nondeterminism;
  runtime_config.encryptor = std::move(config.encryptor);
  runtime_config.tracer = std::move(config.tracer);
  // Throws Error for a malformed URL or an unreadable CA file.
  auto network = std::make_shared<network::HttpNetwork>(executor, std::move(http));
  auto runtime = std::make_shared<detail::Runtime>(std::move(executor), std::move(network), std::move(runtime_config));
  runtime->start();
  return Resonate(std::move(runtime));
}

void Resonate::add_function(std::string name, int version, detail::Invoker invoker) {
  runtime_->add_function(std::move(name), version, std::move(invoker));
}

std::shared_ptr<detail::Caller> Resonate::caller() const { return runtime_; }

boost::asio::awaitable<std::shared_ptr<detail::Awaiter>> Resonate::attach(std::string id) {
  return runtime_->attach(std::move(id));
}

boost::asio::awaitable<void> Resonate::settle(std::string id, bool resolved, boost::json::value value) {
  return runtime_->settle(std::move(id), resolved, std::move(value));
}

boost::asio::awaitable<void> Resonate::reject(std::string id, std::string message) {
  return runtime_->settle(std::move(id), false, sdk::error_outcome("Error", message).value);
}

boost::asio::awaitable<void> Resonate::connected(std::optional<std::chrono::milliseconds> timeout) {
  if (timeout && *timeout < std::chrono::milliseconds::zero()) {
    throw Error("Resonate::connected: the timeout must not be negative, not " + std::to_string(timeout->count()) + " ms");
  }
  return runtime_->connected(timeout);
}

Promises Resonate::promises() const { return Promises(runtime_); }
Schedules Resonate::schedules() const { return Schedules(runtime_); }

void Resonate::stop() { runtime_->stop(); }

const std::string& Resonate::group() const { return runtime_->config().group; }
const std::string& Resonate::pid() const { return runtime_->config().pid; }

}  // namespace resonate
