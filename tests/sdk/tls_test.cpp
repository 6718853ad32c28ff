// https:// end to end: resonate-server with --tls-cert/--tls-key on loopback, certificates of a
// CA made for the test run (tests/support/test_certificates), a worker and a client of the SDK
// that trust that CA (RemoteConfig::ca_file), and clients that do not.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "child_process.hpp"
#include "instances.hpp"
#include "resonate/resonate.hpp"
#include "scratch_directory.hpp"
#include "server_child.hpp"
#include "test_certificates.hpp"

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using resonate::test_support::Instances;
using resonate::test_support::ServerCertificate;
using resonate::test_support::TestCa;

// A CA, the CA file a client trusts, and an https resonate-server with a certificate of that CA
// for `names` (OpenSSL notation).
class TlsWorld {
 public:
  explicit TlsWorld(const std::string& names = "IP:127.0.0.1,DNS:localhost")
      : certificate_(ca_.issue(directory_.path(), "server", names)),
        ca_file_(ca_.write_certificate(directory_.path() / "ca.crt").string()),
        server_(RESONATE_SERVER_PROGRAM,
                {"--tls-cert", certificate_.certificate.string(), "--tls-key", certificate_.key.string()}) {}

  std::string url(const std::string& host = "127.0.0.1") const {
    return "https://" + host + ":" + std::to_string(server_.port());
  }
  const std::string& ca_file() const { return ca_file_; }
  const TestCa& ca() const { return ca_; }
  const std::filesystem::path& directory() const { return directory_.path(); }
  std::string transcript() const { return server_.transcript(); }

 private:
  resonate::test_support::ScratchDirectory directory_{"resonate-tls"};
  TestCa ca_{"resonate test CA"};
  ServerCertificate certificate_;
  std::string ca_file_;
  resonate::test_support::ServerChild server_;
};

resonate::RemoteConfig config_of(std::string url, std::string group, std::string ca_file) {
  resonate::RemoteConfig config;
  config.url = std::move(url);
  config.group = std::move(group);
  config.ca_file = std::move(ca_file);
  config.request_timeout = 5s;
  return config;
}

// What a call of `client` throws, as a PlatformError's message ("" when it does not throw one).
std::string platform_error_of_rpc(Instances& instances, resonate::Resonate& client, const std::string& id) {
  return instances.run<std::string>([&client, id]() -> asio::awaitable<std::string> {
    try {
      co_await client.rpc<int>(id, "double_it", 1).target("workers");
    } catch (const resonate::PlatformError& error) {
      co_return std::string(error.what());
    }
    co_return std::string();
  });
}

}  // namespace

TEST_CASE("https: a worker and a client complete a call with a durable sleep over TLS") {
  TlsWorld world;
  CHECK_MESSAGE(world.transcript().find("url=https://127.0.0.1:") != std::string::npos, world.transcript());
  Instances instances;
  // The worker by IP address, the client by host name: both name checks (IP SAN, DNS SAN + SNI).
  auto& worker = instances.remote(config_of(world.url(), "workers", world.ca_file()));
  auto& client = instances.remote(config_of(world.url("localhost"), "clients", world.ca_file()));
  worker.register_function("nap", [](resonate::Context& ctx, int ms) -> asio::awaitable<std::string> {
    co_await ctx.sleep(std::chrono::milliseconds(ms));
    co_return "slept " + std::to_string(ms);
  });
  // The worker's message stream (SSE over TLS) is open: the execute reaches it.
  instances.run<bool>([&worker]() -> asio::awaitable<bool> {
    co_await worker.connected(20s);
    co_return true;
  });
  const auto result = instances.run<std::string>([&client]() -> asio::awaitable<std::string> {
    co_return co_await client.rpc<std::string>("tls-nap-1", "nap", 300).target("workers");
  });
  CHECK(result == "slept 300");
}

TEST_CASE("https: a client that does not trust the server's certificate gets a clear error") {
  TlsWorld world;
  Instances instances;
  SUBCASE("another CA in RemoteConfig::ca_file") {
    const auto other_ca = TestCa("another CA").write_certificate(world.directory() / "other-ca.crt").string();
    auto& client = instances.remote(config_of(world.url(), "clients", other_ca));
    const auto message = platform_error_of_rpc(instances, client, "untrusted-1");
    CHECK_MESSAGE(message.find("TLS certificate of " + world.url() + " is not trusted") != std::string::npos, message);
    CHECK_MESSAGE(message.find("unable to get local issuer certificate") != std::string::npos, message);
    CHECK_MESSAGE(message.find("other-ca.crt") != std::string::npos, message);
    // The message stream fails the same way: connected() reports it at its timeout.
    const auto stream = instances.run<std::string>([&client]() -> asio::awaitable<std::string> {
      try {
        co_await client.connected(3s);
      } catch (const resonate::PlatformError& error) {
        co_return std::string(error.what());
      }
      co_return std::string();
    });
    CHECK_MESSAGE(stream.find("did not open within 3000 ms") != std::string::npos, stream);
    CHECK_MESSAGE(stream.find("not trusted") != std::string::npos, stream);
  }
  SUBCASE("the system CA store, which does not know the test CA") {
    auto& client = instances.remote(config_of(world.url(), "clients", ""));
    const auto message = platform_error_of_rpc(instances, client, "untrusted-2");
    CHECK_MESSAGE(message.find("is not trusted") != std::string::npos, message);
    CHECK_MESSAGE(message.find("the system CA store") != std::string::npos, message);
  }
}

TEST_CASE("https: the server's certificate must name the host of the URL") {
  TlsWorld world("DNS:elsewhere.invalid");
  Instances instances;
  auto& by_address = instances.remote(config_of(world.url(), "clients", world.ca_file()));
  const auto address_message = platform_error_of_rpc(instances, by_address, "misnamed-1");
  CHECK_MESSAGE(address_message.find("IP address mismatch") != std::string::npos, address_message);
  auto& by_name = instances.remote(config_of(world.url("localhost"), "clients", world.ca_file()));
  const auto name_message = platform_error_of_rpc(instances, by_name, "misnamed-2");
  CHECK_MESSAGE(name_message.find("hostname mismatch") != std::string::npos, name_message);
}

TEST_CASE("https: an unreadable CA file or a malformed URL is refused when the Resonate is made") {
  TlsWorld world;
  Instances instances;
  CHECK_THROWS_WITH_AS(instances.remote(config_of(world.url(), "clients", (world.directory() / "missing.crt").string())),
                       doctest::Contains("missing.crt' is not a readable file"), resonate::Error);
  CHECK_THROWS_WITH_AS(instances.remote(config_of("https://127.0.0.1:0", "clients", world.ca_file())),
                       doctest::Contains("the port must be a number from 1 to 65535"), resonate::Error);
  CHECK_THROWS_AS(instances.remote(config_of("ftp://127.0.0.1", "clients", "")), resonate::Error);
}

TEST_CASE("resonate-server refuses a TLS key that does not belong to its certificate") {
  resonate::test_support::ScratchDirectory directory("resonate-tls");
  TestCa ca("resonate test CA");
  const auto first = ca.issue(directory.path(), "first", "IP:127.0.0.1");
  const auto second = ca.issue(directory.path(), "second", "IP:127.0.0.1");
  resonate::test_support::ChildProcess server(
      "server", resonate::test_support::serve_command(RESONATE_SERVER_PROGRAM, 0, "memory",
                                                      {"--tls-cert", first.certificate.string(), "--tls-key",
                                                       second.key.string()}));
  CHECK(server.wait_for_exit(15s) == 1);
  CHECK_MESSAGE(server.has_printed([](std::string_view line) {
    return line.find("--tls-key") != std::string_view::npos && line.find("mismatch") != std::string_view::npos;
  }),
                server.transcript());
}
