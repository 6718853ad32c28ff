// The command line of resonate-server: defaults, environment fallbacks, flags, errors.
#include <doctest/doctest.h>

#include <map>

#include "server/config.hpp"

using namespace resonate::server;

namespace {

Command parse(std::vector<std::string> arguments, std::map<std::string, std::string> environment = {}) {
  return parse_command_line(arguments, [&](const char* name) -> const char* {
    const auto found = environment.find(name);
    return found == environment.end() ? nullptr : found->second.c_str();
  });
}

}  // namespace

TEST_CASE("serve with no flags listens on loopback:8001 over resonate.db") {
  const auto command = parse({"serve"});
  CHECK_FALSE(command.help);
  CHECK(command.config.host == "127.0.0.1");
  CHECK(command.config.port == 8001);
  CHECK(command.config.store == "resonate.db");
  CHECK_FALSE(command.config.debug);
  CHECK(command.config.retry_interval == std::chrono::milliseconds(30000));
  CHECK(command.config.store_connections == 2);
}

TEST_CASE("environment variables are fallbacks and flags win") {
  const std::map<std::string, std::string> environment{
      {"RESONATE_HOST", "127.0.0.2"}, {"RESONATE_PORT", "9000"}, {"RESONATE_STORE", "env.db"}};
  const auto from_environment = parse({"serve"}, environment);
  CHECK(from_environment.config.host == "127.0.0.2");
  CHECK(from_environment.config.port == 9000);
  CHECK(from_environment.config.store == "env.db");

  const auto from_flags =
      parse({"serve", "--host", "127.0.0.3", "--port=0", "--store", "postgres://u@127.0.0.1/db"}, environment);
  CHECK(from_flags.config.host == "127.0.0.3");
  CHECK(from_flags.config.port == 0);
  CHECK(from_flags.config.store == "postgres://u@127.0.0.1/db");
}

TEST_CASE("the other flags") {
  const auto command = parse({"serve", "--debug", "--url", "http://127.0.0.1:9/", "--log-level", "debug",
                              "--retry-interval-ms", "250"});
  CHECK(command.config.debug);
  CHECK(command.config.external_url == "http://127.0.0.1:9");
  CHECK(command.config.log_level == LogLevel::debug);
  CHECK(command.config.retry_interval == std::chrono::milliseconds(250));
  CHECK(command.config.replica_id.empty());
  CHECK(parse({"serve", "--replica-id", "eu-1"}).config.replica_id == "eu-1");
  CHECK(parse({"serve"}, {{"RESONATE_REPLICA_ID", "eu-2"}}).config.replica_id == "eu-2");
  CHECK(parse({"serve", "--replica-id=eu-1"}, {{"RESONATE_REPLICA_ID", "eu-2"}}).config.replica_id == "eu-1");
  CHECK(parse({"serve", "--store-connections", "16"}).config.store_connections == 16);
  CHECK(parse({"--help"}).help);
  CHECK(parse({"serve", "-h"}).help);
}

TEST_CASE("bad command lines are usage errors") {
  CHECK_THROWS_AS(parse({}), UsageError);
  CHECK_THROWS_AS(parse({"run"}), UsageError);
  CHECK_THROWS_AS(parse({"serve", "--port", "65536"}), UsageError);
  CHECK_THROWS_AS(parse({"serve", "--port", "12ab"}), UsageError);
  CHECK_THROWS_AS(parse({"serve", "--port"}), UsageError);
  CHECK_THROWS_AS(parse({"serve", "--colour"}), UsageError);
  CHECK_THROWS_AS(parse({"serve", "--log-level", "loud"}), UsageError);
  CHECK_THROWS_AS(parse({"serve", "--url", "ftp://x"}), UsageError);
  CHECK_THROWS_AS(parse({"serve", "--replica-id", ""}), UsageError);
  CHECK_THROWS_AS(parse({"serve", "--retry-interval-ms", "0"}), UsageError);
  // Durations wrap past the integer boundary (as steady_clock nanoseconds first): refused.
  CHECK_THROWS_WITH_AS(parse({"serve", "--retry-interval-ms", "9223372036854775807"}),
                       doctest::Contains("at most 3162240000000 milliseconds (100 years)"), UsageError);
  CHECK(parse({"serve", "--retry-interval-ms", "3162240000000"}).config.retry_interval.count() == 3162240000000);
  for (const char* connections : {"0", "17", "-1", "2x", ""}) {
    CAPTURE(connections);
    CHECK_THROWS_WITH_AS(parse({"serve", "--store-connections", connections}),
                         doctest::Contains("--store-connections: expected a number from 1 to 16"), UsageError);
  }
  CHECK_THROWS_AS(parse({"serve", "stray"}), UsageError);
  CHECK_THROWS_AS(parse({"serve"}, {{"RESONATE_PORT", "x"}}), UsageError);
}

TEST_CASE("--tls-cert and --tls-key turn HTTPS on together; the environment is their fallback") {
  const auto plain = parse({"serve"});
  CHECK(plain.config.tls_cert.empty());
  CHECK(plain.config.tls_key.empty());
  const auto flags = parse({"serve", "--tls-cert", "server.crt", "--tls-key=server.key"});
  CHECK(flags.config.tls_cert == "server.crt");
  CHECK(flags.config.tls_key == "server.key");
  const auto environment = parse({"serve", "--tls-key", "flag.key"},
                                 {{"RESONATE_TLS_CERT", "env.crt"}, {"RESONATE_TLS_KEY", "env.key"}});
  CHECK(environment.config.tls_cert == "env.crt");
  CHECK(environment.config.tls_key == "flag.key");
  CHECK_THROWS_WITH_AS(parse({"serve", "--tls-cert", "server.crt"}), "--tls-cert needs --tls-key", UsageError);
  CHECK_THROWS_WITH_AS(parse({"serve", "--tls-key", "server.key"}), "--tls-key needs --tls-cert", UsageError);
  CHECK_THROWS_AS(parse({"serve", "--tls-cert", ""}), UsageError);
}
