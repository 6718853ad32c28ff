// Bearer tokens end to end: resonate-server with --auth-public-key, SDK clients and workers
// with no token, a refused token, a token of too narrow a prefix, and a token provider whose
// token changes. A refusal must end the call with AuthError, never be retried forever.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "captured_log.hpp"
#include "instances.hpp"
#include "resonate/resonate.hpp"
#include "scratch_directory.hpp"
#include "server_child.hpp"
#include "token_signer.hpp"
#include "wall_clock.hpp"

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using resonate::test_support::CapturedLog;
using resonate::test_support::epoch_seconds;
using resonate::test_support::Instances;
using resonate::test_support::TokenSigner;

// A resonate-server that accepts the tokens of `signer` only.
class AuthWorld {
 public:
  AuthWorld() : server_(RESONATE_SERVER_PROGRAM, {"--auth-public-key", write_key()}) {}

  const std::string& url() const { return server_.url(); }
  std::string token(json::object claims) const {
    claims["exp"] = epoch_seconds() + 600;
    return signer_.sign(claims);
  }
  std::string admin_token() const { return token({{"role", "admin"}}); }
  // A well-formed token of a key the server does not know.
  static std::string forged_token() {
    return TokenSigner().sign(json::object{{"exp", epoch_seconds() + 600}, {"role", "admin"}});
  }

 private:
  std::string write_key() {
    const auto file = directory_.path() / "jwt-public.pem";
    std::ofstream(file) << signer_.public_pem();
    return file.string();
  }

  resonate::test_support::ScratchDirectory directory_{"resonate-auth"};
  TokenSigner signer_;
  resonate::test_support::ServerChild server_;
};

resonate::RemoteConfig config_of(const AuthWorld& world, std::string group, std::string token = "") {
  resonate::RemoteConfig config;
  config.url = world.url();
  config.group = std::move(group);
  config.token = std::move(token);
  return config;
}

// A token that the test changes while the SDK runs; counts how often the SDK asks for it.
class TokenSource {
 public:
  explicit TokenSource(std::string token) : token_(std::move(token)) {}
  std::function<std::string()> provider() {
    return [this] {
      ++calls_;
      std::lock_guard lock(mutex_);
      return token_;
    };
  }
  void set(std::string token) {
    std::lock_guard lock(mutex_);
    token_ = std::move(token);
  }
  int calls() const { return calls_.load(); }

 private:
  std::mutex mutex_;
  std::string token_;
  std::atomic<int> calls_{0};
};

struct Refusal {
  int status = 0;
  std::string message;
};

// The AuthError that `body` ends with: status 0 when it ends without one, and what else it
// throws fails the test.
Refusal refusal_of(Instances& instances, std::function<asio::awaitable<void>()> body) {
  return instances.run<Refusal>([body]() -> asio::awaitable<Refusal> {
    try {
      co_await body();
    } catch (const resonate::AuthError& error) {
      co_return Refusal{error.status(), error.what()};
    }
    co_return Refusal{0, "ended without an AuthError"};
  });
}

void register_double(resonate::Resonate& worker) {
  worker.register_function("double_it", [](resonate::Context&, int x) -> asio::awaitable<int> { co_return 2 * x; });
}

}  // namespace

TEST_CASE("auth: without a token, or with one the server refuses, run and rpc end with AuthError 401") {
  AuthWorld world;
  Instances instances;
  SUBCASE("no token") {
    auto& client = instances.remote(config_of(world, "clients"));
    register_double(client);
    const auto rpc = refusal_of(instances, [&client]() -> asio::awaitable<void> {
      co_await client.rpc<int>("auth-rpc-1", "double_it", 1).target("workers");
    });
    CHECK(rpc.status == 401);
    CHECK_MESSAGE(rpc.message.find("promise.create: the server requires a bearer token") != std::string::npos,
                  rpc.message);
    CHECK_MESSAGE(rpc.message.find("RemoteConfig::token_provider") != std::string::npos, rpc.message);
    const auto run = refusal_of(instances, [&client]() -> asio::awaitable<void> {
      co_await client.run<int>("auth-run-1", "double_it", 1);
    });
    CHECK(run.status == 401);
    CHECK_MESSAGE(run.message.find("task.create") != std::string::npos, run.message);
  }
  SUBCASE("a token of another key") {
    auto& client = instances.remote(config_of(world, "clients", AuthWorld::forged_token()));
    const auto rpc = refusal_of(instances, [&client]() -> asio::awaitable<void> {
      co_await client.rpc<int>("auth-rpc-2", "double_it", 1).target("workers");
    });
    CHECK(rpc.status == 401);
    CHECK_MESSAGE(rpc.message.find("the server refused the bearer token") != std::string::npos, rpc.message);
  }
}

TEST_CASE("auth: a token whose prefix does not cover the promise id ends the call with AuthError 403") {
  AuthWorld world;
  Instances instances;
  auto& client = instances.remote(config_of(world, "clients", world.token({{"prefix", "mine-"}})));
  const auto refusal = refusal_of(instances, [&client]() -> asio::awaitable<void> {
    co_await client.rpc<int>("theirs-1", "double_it", 1).target("workers");
  });
  CHECK(refusal.status == 403);
  CHECK_MESSAGE(refusal.message.find("403 Forbidden") != std::string::npos, refusal.message);
}

TEST_CASE("auth: a handle's result() ends with AuthError once the server refuses the token, instead of retrying") {
  AuthWorld world;
  Instances instances;
  TokenSource token(world.admin_token());
  auto config = config_of(world, "clients");
  config.token_provider = token.provider();
  auto& client = instances.remote(config);
  // Pending: no worker of group "nobody" exists.
  auto handle = instances.run<resonate::Handle<int>>([&client]() -> asio::awaitable<resonate::Handle<int>> {
    co_return co_await client.rpc<int>("unattended-1", "double_it", 1).target("nobody").spawn();
  });
  token.set(AuthWorld::forged_token());
  const auto refusal = refusal_of(instances, [handle]() -> asio::awaitable<void> { co_await handle.result(); });
  CHECK(refusal.status == 401);
  CHECK_MESSAGE(refusal.message.find("promise.register_listener") != std::string::npos, refusal.message);
}

TEST_CASE("auth: a worker whose message stream is refused logs one error naming the token; connected() throws AuthError") {
  AuthWorld world;
  CapturedLog log;
  Instances instances;
  auto config = config_of(world, "workers");
  config.logger = log.logger();
  auto& worker = instances.remote(config);
  auto refused_stream = [](const resonate::LogRecord& record) {
    return record.level == resonate::LogLevel::error &&
           record.message.find("message stream refused for its bearer token") != std::string::npos &&
           record.field("status") == "401" && record.field("error").find("none was sent") != std::string_view::npos;
  };
  // Two attempts of the stream, each refused (the second after the reconnect backoff).
  for (int attempt = 1; attempt <= 2; ++attempt) {
    const auto refusal = refusal_of(instances, [&worker]() -> asio::awaitable<void> { co_await worker.connected(20s); });
    CHECK(refusal.status == 401);
    CHECK_MESSAGE(refusal.message.find("GET /poll/workers/") != std::string::npos, refusal.message);
  }
  // Once per outage, not once per attempt.
  CHECK(log.count(refused_stream) == 1);
}

TEST_CASE("token provider: asked as requests are built, so a refreshed token works without a restart") {
  AuthWorld world;
  Instances instances;
  TokenSource token(AuthWorld::forged_token());
  auto worker_config = config_of(world, "workers");
  worker_config.token_provider = token.provider();
  auto& worker = instances.remote(worker_config);
  register_double(worker);
  auto& client = instances.remote(config_of(world, "clients", world.admin_token()));

  const auto refusal = refusal_of(instances, [&worker]() -> asio::awaitable<void> { co_await worker.connected(20s); });
  CHECK(refusal.status == 401);
  CHECK(token.calls() > 0);

  token.set(world.admin_token());
  // The stream's next attempt carries the new token.
  instances.run<bool>([&worker]() -> asio::awaitable<bool> {
    co_await worker.connected(30s);
    co_return true;
  });
  const int asked_before_call = token.calls();
  const auto doubled = instances.run<int>([&client]() -> asio::awaitable<int> {
    co_return co_await client.rpc<int>("refreshed-1", "double_it", 21).target("workers");
  });
  CHECK(doubled == 42);
  // The worker's requests of that call (acquire, fulfil) asked for the token again.
  CHECK(token.calls() > asked_before_call);
}

TEST_CASE("auth: a worker whose token does not allow its message stream gets AuthError 403 with the server's reason") {
  AuthWorld world;
  Instances instances;
  auto config = config_of(world, "workers", world.token({{"prefix", "mine-"}}));
  config.pid = "worker-1";
  auto& worker = instances.remote(config);
  const auto refusal = refusal_of(instances, [&worker]() -> asio::awaitable<void> { co_await worker.connected(20s); });
  CHECK(refusal.status == 403);
  CHECK_MESSAGE(refusal.message.find("group 'workers' and worker id 'worker-1' must both start with the token's prefix "
                                     "'mine-'") != std::string::npos,
                refusal.message);
  CHECK_MESSAGE(refusal.message.find("does not permit this stream") != std::string::npos, refusal.message);
}

TEST_CASE("auth: a worker scoped to its tenant (prefix and groups claims) serves that tenant's calls") {
  AuthWorld world;
  Instances instances;
  auto& worker =
      instances.remote(config_of(world, "workers", world.token({{"prefix", "mine-"}, {"groups", json::array{"workers"}}})));
  register_double(worker);
  auto& client = instances.remote(config_of(world, "clients", world.token({{"prefix", "mine-"}, {"groups", json::array{"clients"}}})));
  instances.run<bool>([&worker]() -> asio::awaitable<bool> {
    co_await worker.connected(30s);
    co_return true;
  });
  const auto doubled = instances.run<int>([&client]() -> asio::awaitable<int> {
    co_return co_await client.rpc<int>("mine-call-1", "double_it", 21).target("workers");
  });
  CHECK(doubled == 42);
}
