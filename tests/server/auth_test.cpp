// Bearer-token authentication: JWT verification for every key type, the prefix rules of
// authorization, the scoping of SSE streams (who may open which stream, what it carries, its
// end at the token's expiry), and resonate-server in process with auth on (scenario 40) and off.
// Key pairs are generated here and tokens signed here with OpenSSL, so nothing is checked in.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>
#include <unistd.h>

#include "running_server.hpp"
#include "server/authorization.hpp"
#include "server/config.hpp"
#include "server/jwt.hpp"
#include "server/stream_access.hpp"
#include "test_client.hpp"
#include "token_signer.hpp"

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
using namespace resonate::test_support;
using namespace std::chrono_literals;
using resonate::server::Authorizer;
using resonate::server::JwtOptions;
using resonate::server::JwtVerifier;

namespace {

std::int64_t seconds_from_now(std::int64_t offset) {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count() +
         offset;
}

// A PEM file in the temp directory, removed at the end of the test.
class TempPemFile {
 public:
  explicit TempPemFile(const std::string& pem) {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("resonate-auth-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + ".pem");
    std::ofstream(path_) << pem;
  }
  ~TempPemFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  TempPemFile(const TempPemFile&) = delete;
  TempPemFile& operator=(const TempPemFile&) = delete;
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// Keys are slow to generate (RSA): one set for the whole suite.
const KeyPair& rsa_key() {
  static const KeyPair key = KeyPair::rsa();
  return key;
}
const KeyPair& other_rsa_key() {
  static const KeyPair key = KeyPair::rsa();
  return key;
}

json::object claims_with(json::object extra, std::int64_t expires_in = 600) {
  extra["exp"] = seconds_from_now(expires_in);
  return extra;
}

bool valid(const JwtVerifier& verifier, const std::string& token) {
  return verifier.verify(token, std::chrono::system_clock::now()).valid;
}

std::string reason(const JwtVerifier& verifier, const std::string& token) {
  return verifier.verify(token, std::chrono::system_clock::now()).reason;
}

std::string to_wire(http::request<http::string_body> request) {
  request.set(http::field::host, "127.0.0.1");
  request.prepare_payload();
  std::ostringstream out;
  out << request;
  return out.str();
}

// POST / of an envelope with an `Authorization` header (and head.auth only if the caller put it).
HttpResult post_with_header(std::uint16_t port, const json::object& request, std::string_view authorization) {
  http::request<http::string_body> message{http::verb::post, "/", 11};
  message.set(http::field::content_type, "application/json");
  message.set(http::field::authorization, authorization);
  message.body() = json::serialize(request);
  HttpClient client(port);
  return client.raw(to_wire(std::move(message)));
}

HttpResult get_with_header(std::uint16_t port, std::string_view target, std::string_view authorization) {
  http::request<http::string_body> message{http::verb::get, target, 11};
  message.set(http::field::authorization, authorization);
  HttpClient client(port);
  return client.raw(to_wire(std::move(message)));
}

// An envelope carrying `token` in head.auth.
json::object with_token(json::object request, std::string_view token) {
  request["head"].as_object()["auth"] = token;
  return request;
}

RpcResult rpc_as(std::uint16_t port, std::string_view token, std::string_view kind, json::object data) {
  HttpClient client(port);
  const auto answer = client.post("/", json::serialize(with_token(envelope(kind, std::move(data)), token)));
  return RpcResult{answer.status, parse_object(answer.body)};
}

std::string message_of(const RpcResult& result) { return text(result.data()); }

// GET /poll/{group}/{id} with an Authorization header, read with deadlines: the status, the
// content type and, for a 200, the first event's data.
struct PollResult {
  int status = 0;
  std::string content_type;
  std::string first_event;
};

PollResult poll_with_header(std::uint16_t port, std::string_view target, std::string_view authorization,
                            const std::function<void()>& after_connect) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  asio::steady_timer deadline(io);
  PollResult result;
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(boost::none);
  http::request<http::empty_body> request{http::verb::get, target, 11};
  request.set(http::field::host, "127.0.0.1");
  request.set(http::field::authorization, authorization);

  deadline.expires_after(10s);
  deadline.async_wait([&](const boost::system::error_code& error) {
    if (!error) socket.close();
  });
  std::function<void(const boost::system::error_code&, std::size_t)> on_body_read = [&](const auto& error, std::size_t) {
    const auto& body = parser.get().body();
    const auto start = body.find("data: ");
    const auto end = start == std::string::npos ? start : body.find("\n\n", start);
    if (end != std::string::npos) {
      result.first_event = body.substr(start + 6, end - start - 6);
      deadline.cancel();
      socket.close();
      return;
    }
    if (error || parser.is_done()) {
      deadline.cancel();
      return;
    }
    http::async_read_some(socket, buffer, parser, on_body_read);
  };
  socket.async_connect({asio::ip::make_address("127.0.0.1"), port}, [&](const boost::system::error_code& error) {
    if (error) return;
    http::async_write(socket, request, [&](const boost::system::error_code& write_error, std::size_t) {
      if (write_error) return;
      http::async_read_header(socket, buffer, parser, [&](const boost::system::error_code& read_error, std::size_t) {
        if (read_error) return;
        result.status = static_cast<int>(parser.get().result_int());
        result.content_type = std::string(parser.get()[http::field::content_type]);
        if (result.status != 200) {
          deadline.cancel();
          return;
        }
        after_connect();
        http::async_read_some(socket, buffer, parser, on_body_read);
      });
    });
  });
  io.run();
  return result;
}

// A server with auth on over the suite's RSA key, debug operations enabled (to check them too).
resonate::server::ServerConfig auth_config(const TempPemFile& key_file) {
  auto config = test_config();
  config.auth_public_key = key_file.path();
  config.debug = true;
  return config;
}

}  // namespace

TEST_CASE("base64url decoding is strict") {
  std::string out;
  CHECK(resonate::server::base64url_decode("aGk", out));
  CHECK(out == "hi");
  CHECK(resonate::server::base64url_decode("", out));
  CHECK(out.empty());
  CHECK_FALSE(resonate::server::base64url_decode("aGk=", out));  // padding
  CHECK_FALSE(resonate::server::base64url_decode("a+k", out));   // standard alphabet
  CHECK_FALSE(resonate::server::base64url_decode("aGl", out));   // non-zero leftover bits
  CHECK_FALSE(resonate::server::base64url_decode("aGkxa", out)); // impossible length
}

TEST_CASE("tokens verify with every supported key type and algorithm") {
  const auto claims = claims_with({{"prefix", ""}});

  SUBCASE("RSA: RS256/384/512 and PS256/384/512") {
    const auto verifier = JwtVerifier::from_pem(rsa_key().public_pem());
    for (const auto* alg : {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}) {
      CAPTURE(alg);
      CHECK(reason(verifier, rsa_key().sign(alg, claims)) == "");
    }
    CHECK_FALSE(valid(verifier, other_rsa_key().sign("RS256", claims)));  // another key's signature
    CHECK_FALSE(valid(verifier, KeyPair::ed25519().sign("EdDSA", claims)));
  }
  SUBCASE("EC P-256: ES256 only") {
    const auto key = KeyPair::ec("P-256");
    const auto verifier = JwtVerifier::from_pem(key.public_pem());
    CHECK(reason(verifier, key.sign("ES256", claims)) == "");
    CHECK(reason(verifier, key.sign("ES384", claims)) == "alg 'ES384' not accepted for this key");
  }
  SUBCASE("EC P-384: ES384 only") {
    const auto key = KeyPair::ec("P-384");
    const auto verifier = JwtVerifier::from_pem(key.public_pem());
    CHECK(reason(verifier, key.sign("ES384", claims)) == "");
    CHECK_FALSE(valid(verifier, KeyPair::ec("P-384").sign("ES384", claims)));
  }
  SUBCASE("Ed25519: EdDSA only") {
    const auto key = KeyPair::ed25519();
    const auto verifier = JwtVerifier::from_pem(key.public_pem());
    CHECK(reason(verifier, key.sign("EdDSA", claims)) == "");
    CHECK_FALSE(valid(verifier, KeyPair::ed25519().sign("EdDSA", claims)));
  }
  SUBCASE("unsupported keys are refused when loaded") {
    CHECK_THROWS(JwtVerifier::from_pem("not a key"));
    CHECK_THROWS(JwtVerifier::from_pem(KeyPair::ec("secp256k1").public_pem()));
    CHECK_THROWS(JwtVerifier::from_pem_file("/nonexistent/key.pem"));
  }
}

TEST_CASE("forged, malformed and out-of-time tokens are rejected") {
  const auto verifier = JwtVerifier::from_pem(rsa_key().public_pem());
  const auto good = rsa_key().sign("RS256", claims_with({{"role", "admin"}}));
  REQUIRE(valid(verifier, good));

  SUBCASE("alg none, with or without a signature") {
    const auto unsigned_token = base64url(R"({"alg":"none"})") + "." +
                                base64url(json::serialize(claims_with({{"role", "admin"}}))) + ".";
    CHECK_FALSE(valid(verifier, unsigned_token));
    CHECK_FALSE(valid(verifier, unsigned_token + good.substr(good.rfind('.') + 1)));
  }
  SUBCASE("HS256 with the public key as the secret (algorithm confusion)") {
    const auto header_and_payload = base64url(R"({"alg":"HS256"})") + "." +
                                    base64url(json::serialize(claims_with({{"role", "admin"}})));
    CHECK(reason(verifier, header_and_payload + "." + base64url("whatever")) == "alg 'HS256' not accepted for this key");
  }
  SUBCASE("a changed payload breaks the signature") {
    const auto first = good.find('.');
    const auto second = good.find('.', first + 1);
    const auto forged = good.substr(0, first + 1) + base64url(json::serialize(claims_with({{"role", "admin"}}, 7200))) +
                        good.substr(second);
    CHECK(reason(verifier, forged) == "bad signature");
  }
  SUBCASE("not three parts, bad encodings") {
    CHECK_FALSE(valid(verifier, ""));
    CHECK_FALSE(valid(verifier, "abc"));
    CHECK_FALSE(valid(verifier, good + ".extra"));
    CHECK_FALSE(valid(verifier, "!!." + good.substr(good.find('.') + 1)));
  }
  SUBCASE("exp is required, checked with 30 s of leeway; nbf is honoured") {
    CHECK(reason(verifier, rsa_key().sign("RS256", json::object{{"role", "admin"}})) == "exp missing");
    CHECK(reason(verifier, rsa_key().sign("RS256", claims_with({}, -60))) == "expired");
    CHECK(valid(verifier, rsa_key().sign("RS256", claims_with({}, -10))));  // within the leeway
    CHECK(reason(verifier, rsa_key().sign("RS256", json::object{{"exp", "tomorrow"}})) == "exp not a number");
    CHECK(reason(verifier, rsa_key().sign("RS256", claims_with({{"nbf", seconds_from_now(300)}}))) == "not yet valid");
    CHECK(valid(verifier, rsa_key().sign("RS256", claims_with({{"nbf", seconds_from_now(-5)}}))));
  }
}

TEST_CASE("iss and aud are required only when configured") {
  const auto verifier = JwtVerifier::from_pem(rsa_key().public_pem(), JwtOptions{"https://issuer.test", "resonate"});
  const auto unconfigured = JwtVerifier::from_pem(rsa_key().public_pem());
  const auto sign = [](json::object claims) { return rsa_key().sign("RS256", claims_with(std::move(claims))); };

  CHECK(valid(verifier, sign({{"iss", "https://issuer.test"}, {"aud", "resonate"}})));
  CHECK(valid(verifier, sign({{"iss", "https://issuer.test"}, {"aud", json::array{"other", "resonate"}}})));
  CHECK(reason(verifier, sign({{"aud", "resonate"}})) == "wrong issuer");
  CHECK(reason(verifier, sign({{"iss", "https://evil.test"}, {"aud", "resonate"}})) == "wrong issuer");
  CHECK(reason(verifier, sign({{"iss", "https://issuer.test"}})) == "wrong audience");
  CHECK(reason(verifier, sign({{"iss", "https://issuer.test"}, {"aud", json::array{"other"}}})) == "wrong audience");
  CHECK(valid(unconfigured, sign({{"iss", "https://evil.test"}, {"aud", "anything"}})));
}

TEST_CASE("claims → permission: admin, prefix rules per operation") {
  using resonate::server::claims_permit;
  const auto request = [](std::string_view kind, json::object data) { return envelope(kind, std::move(data)); };
  const json::object tenant{{"prefix", "tenant-"}};

  CHECK(claims_permit({{"role", "ADMIN"}}, request("promise.search", {})));
  CHECK(claims_permit({{"role", "admin"}, {"prefix", "x-"}}, request("debug.snap", {})));
  CHECK_FALSE(claims_permit({{"role", "user"}}, request("promise.get", {{"id", "a"}})));
  CHECK_FALSE(claims_permit({}, request("promise.get", {{"id", "a"}})));
  CHECK_FALSE(claims_permit({{"prefix", nullptr}}, request("promise.get", {{"id", "a"}})));
  CHECK_FALSE(claims_permit({{"prefix", 7}}, request("promise.get", {{"id", "a"}})));
  CHECK(claims_permit({{"prefix", ""}}, request("promise.search", {})));

  CHECK(claims_permit(tenant, request("promise.get", {{"id", "tenant-1"}})));
  CHECK_FALSE(claims_permit(tenant, request("promise.get", {{"id", "other"}})));
  CHECK_FALSE(claims_permit(tenant, request("promise.get", {})));
  CHECK_FALSE(claims_permit(tenant, request("promise.get", {{"id", 5}})));
  CHECK(claims_permit(tenant, request("promise.register_listener", {{"awaited", "tenant-1"}, {"address", "poll://x"}})));
  CHECK(claims_permit(tenant, request("promise.register_callback", {{"awaited", "tenant-1"}, {"awaiter", "tenant-2"}})));
  CHECK_FALSE(claims_permit(tenant, request("promise.register_callback", {{"awaited", "tenant-1"}, {"awaiter", "other"}})));
  CHECK(claims_permit(tenant, request("task.create", {{"action", json::object{{"data", json::object{{"id", "tenant-r"}}}}}})));
  CHECK_FALSE(claims_permit(tenant, request("task.create", {{"action", json::object{{"data", json::object{{"id", "x"}}}}}})));
  CHECK(claims_permit(tenant, request("task.heartbeat", {{"tasks", json::array{json::object{{"id", "tenant-1"}},
                                                                                json::object{{"id", "tenant-2"}}}}})));
  CHECK_FALSE(claims_permit(tenant, request("task.heartbeat", {{"tasks", json::array{json::object{{"id", "tenant-1"}},
                                                                                      json::object{{"id", "x"}}}}})));
  CHECK_FALSE(claims_permit(
      tenant, request("task.fence", {{"id", "tenant-1"}, {"action", json::object{{"data", json::object{{"id", "x"}}}}}})));
  CHECK_FALSE(claims_permit(
      tenant, request("task.suspend", {{"id", "tenant-1"},
                                       {"actions", json::array{json::object{{"data", json::object{{"awaited", "x"}}}}}}})));
  CHECK(claims_permit(tenant, request("schedule.create", {{"id", "tenant-s"}, {"promiseId", "tenant-p"}})));
  CHECK_FALSE(claims_permit(tenant, request("schedule.create", {{"id", "tenant-s"}, {"promiseId", "p"}})));
  CHECK(claims_permit(tenant, request("schedule.delete", {{"id", "tenant-s"}})));
  for (const auto* kind : {"promise.search", "task.search", "schedule.search", "debug.snap", "no.such"}) {
    CAPTURE(kind);
    CHECK_FALSE(claims_permit(tenant, request(kind, {})));
  }
}

TEST_CASE("bearer tokens are taken from the Authorization header value") {
  using resonate::server::bearer_token;
  CHECK(bearer_token("Bearer abc.def.ghi") == std::optional<std::string_view>("abc.def.ghi"));
  CHECK(bearer_token("bearer  abc ") == std::optional<std::string_view>("abc"));
  CHECK_FALSE(bearer_token("Basic dXNlcjpwYXNz").has_value());
  CHECK_FALSE(bearer_token("Bearer ").has_value());
  CHECK_FALSE(bearer_token("").has_value());
}

TEST_CASE("the authorizer reads head.auth first, else the request's Authorization header") {
  const Authorizer authorizer(JwtVerifier::from_pem(rsa_key().public_pem()));
  const auto token = rsa_key().sign("RS256", claims_with({{"prefix", ""}}));
  const auto now = std::chrono::system_clock::now();
  const auto get = envelope("promise.get", {{"id", "x"}});
  using Answer = std::pair<int, std::string>;

  CHECK(authorizer.authorize(get, "", now) == Answer{401, "Unauthorized"});
  CHECK(authorizer.authorize(with_token(get, token), "", now) == Answer{0, ""});
  const auto header_value = "Bearer " + token;
  CHECK(authorizer.authorize(get, header_value, now) == Answer{0, ""});
  // An explicit head.auth wins over the header, even when it is the bad one.
  CHECK(authorizer.authorize(with_token(get, "bad"), header_value, now) == Answer{401, "Unauthorized"});
  CHECK(authorizer.authorize(get, "Basic dXNlcjpwYXNz", now) == Answer{401, "Unauthorized"});
}

TEST_CASE("command line: --auth-public-key, --auth-issuer, --auth-audience and their environment") {
  using resonate::server::parse_command_line;
  const auto no_environment = [](const char*) -> const char* { return nullptr; };
  const auto parsed = parse_command_line(
      {"serve", "--auth-public-key", "/k.pem", "--auth-issuer=iss", "--auth-audience", "aud"}, no_environment);
  CHECK(parsed.config.auth_public_key == "/k.pem");
  CHECK(parsed.config.auth_issuer == "iss");
  CHECK(parsed.config.auth_audience == "aud");
  CHECK(parse_command_line({"serve"}, no_environment).config.auth_public_key.empty());

  const auto environment = [](const char* name) -> const char* {
    const std::string_view wanted(name);
    if (wanted == "RESONATE_AUTH_PUBLIC_KEY") return "/env.pem";
    if (wanted == "RESONATE_AUTH_AUDIENCE") return "env-aud";
    return nullptr;
  };
  const auto from_environment = parse_command_line({"serve"}, environment);
  CHECK(from_environment.config.auth_public_key == "/env.pem");
  CHECK(from_environment.config.auth_audience == "env-aud");
  CHECK(parse_command_line({"serve", "--auth-public-key", "/flag.pem"}, environment).config.auth_public_key == "/flag.pem");

  CHECK_THROWS_AS(parse_command_line({"serve", "--auth-issuer", "iss"}, no_environment), resonate::server::UsageError);
  CHECK_THROWS_AS(parse_command_line({"serve", "--auth-public-key"}, no_environment), resonate::server::UsageError);
}

TEST_CASE("a server whose key file is missing does not start") {
  auto config = test_config();
  config.auth_public_key = "/nonexistent/resonate-key.pem";
  auto store = resonate::store::make_memory_store();
  CHECK_THROWS_AS([&] { resonate::server::Server refused(config, *store); }(), std::runtime_error);
}

TEST_CASE("scenario 40: with auth on, RPC needs a valid token and a permitting claim") {
  const TempPemFile key_file(rsa_key().public_pem());
  RunningServer server(auth_config(key_file));
  const auto port = server.port();
  const auto admin = rsa_key().sign("RS256", claims_with({{"role", "admin"}}));
  const auto tenant = rsa_key().sign("RS256", claims_with({{"prefix", "tenant-"}}));

  SUBCASE("no token, expired, wrong signature, alg none → 401 Unauthorized") {
    const auto missing = rpc(port, "promise.get", {{"id", "tenant-1"}});
    CHECK(missing.http_status == 401);
    CHECK(missing.status() == 401);
    CHECK(message_of(missing) == "Unauthorized");
    CHECK(text(missing.response.at("kind")) == "promise.get");

    const auto expired = rsa_key().sign("RS256", claims_with({{"role", "admin"}}, -3600));
    CHECK(rpc_as(port, expired, "promise.get", {{"id", "tenant-1"}}).status() == 401);
    const auto forged = other_rsa_key().sign("RS256", claims_with({{"role", "admin"}}));
    CHECK(rpc_as(port, forged, "promise.get", {{"id", "tenant-1"}}).status() == 401);
    const auto none = base64url(R"({"alg":"none","typ":"JWT"})") + "." +
                      base64url(json::serialize(claims_with({{"role", "admin"}}))) + ".";
    CHECK(rpc_as(port, none, "promise.get", {{"id", "tenant-1"}}).status() == 401);
    CHECK(rpc_as(port, "garbage", "promise.get", {{"id", "tenant-1"}}).status() == 401);
  }
  SUBCASE("prefix tenant-: own ids pass to the operation, others and searches are 403 Forbidden") {
    const auto other = rpc_as(port, tenant, "promise.get", {{"id", "other"}});
    CHECK(other.http_status == 403);
    CHECK(message_of(other) == "Forbidden");
    const auto own = rpc_as(port, tenant, "promise.get", {{"id", "tenant-1"}});
    CHECK(own.status() == 404);  // authorized; the promise just does not exist
    CHECK(rpc_as(port, tenant, "promise.search", {}).status() == 403);
    CHECK(rpc_as(port, tenant, "promise.create", create_data("tenant-1")).status() == 200);
    CHECK(rpc_as(port, tenant, "promise.create", create_data("other")).status() == 403);
    CHECK(rpc_as(port, tenant, "promise.get", {{"id", "tenant-1"}}).status() == 200);
    CHECK(rpc_as(port, tenant, "debug.snap", {}).status() == 403);
  }
  SUBCASE("claims with neither prefix nor role → 403") {
    const auto bare = rsa_key().sign("RS256", claims_with({{"sub", "someone"}}));
    const auto answer = rpc_as(port, bare, "promise.get", {{"id", "tenant-1"}});
    CHECK(answer.status() == 403);
    CHECK(message_of(answer) == "Forbidden");
  }
  SUBCASE("admin is allowed everywhere") {
    CHECK(rpc_as(port, admin, "promise.create", create_data("any-id")).status() == 200);
    CHECK(rpc_as(port, admin, "promise.get", {{"id", "any-id"}}).status() == 200);
    CHECK(rpc_as(port, admin, "promise.search", {}).status() == 200);
    CHECK(rpc_as(port, admin, "task.search", {}).status() == 200);
    CHECK(rpc_as(port, admin, "schedule.search", {}).status() == 200);
    CHECK(rpc_as(port, admin, "debug.snap", {}).status() == 200);
  }
  SUBCASE("a token only in the Authorization header of the POST (the C++ SDK's way)") {
    const auto allowed = post_with_header(port, envelope("promise.create", create_data("tenant-h")), "Bearer " + tenant);
    CHECK(allowed.status == 200);
    const auto forbidden = post_with_header(port, envelope("promise.get", {{"id", "other"}}), "Bearer " + tenant);
    CHECK(forbidden.status == 403);
    const auto wrong_scheme = post_with_header(port, envelope("promise.get", {{"id", "tenant-h"}}), "Token " + tenant);
    CHECK(wrong_scheme.status == 401);
    // The header of one request never authorizes the next one on the same connection.
    HttpClient client(port);
    http::request<http::string_body> with_header{http::verb::post, "/", 11};
    with_header.set(http::field::authorization, "Bearer " + admin);
    with_header.body() = json::serialize(envelope("promise.get", {{"id", "tenant-h"}}));
    CHECK(client.raw(to_wire(std::move(with_header))).status == 200);
    CHECK(rpc(client, "promise.get", {{"id", "tenant-h"}}).status() == 401);
  }
}

TEST_CASE("scenario 40: SSE and /metrics need a bearer token; /health and /ready do not") {
  const TempPemFile key_file(rsa_key().public_pem());
  RunningServer server(auth_config(key_file));
  const auto port = server.port();
  const auto tenant = rsa_key().sign("RS256", claims_with({{"prefix", "tenant-"}}));
  const auto admin = rsa_key().sign("RS256", claims_with({{"role", "admin"}}));

  SUBCASE("GET /poll without Authorization → 401 plain text") {
    HttpClient client(port);
    const auto refused = client.get("/poll/g/p");
    CHECK(refused.status == 401);
    CHECK(refused.content_type == "text/plain");
    CHECK(refused.body == "Unauthorized");
    CHECK(get_with_header(port, "/poll/g/p", "Bearer not-a-token").status == 401);
    const auto expired = rsa_key().sign("RS256", claims_with({{"role", "admin"}}, -3600));
    CHECK(get_with_header(port, "/poll/g/p", "Bearer " + expired).status == 401);
  }
  SUBCASE("GET /poll with a valid bearer token that allows the stream → 200 event stream that delivers") {
    const auto stream = poll_with_header(port, "/poll/tenant-g/tenant-p", "Bearer " + tenant, [&] {
      CHECK(rpc_as(port, admin, "promise.create", create_data("tenant-job", "poll://uni@tenant-g/tenant-p")).status() ==
            200);
    });
    CHECK(stream.status == 200);
    CHECK(stream.content_type == "text/event-stream");
    REQUIRE_FALSE(stream.first_event.empty());
    const auto message = parse_object(stream.first_event);
    CHECK(text(message.at("kind")) == "execute");
    CHECK(text(message.at("data").at("task").at("id")) == "tenant-job");
  }
  SUBCASE("/metrics needs a valid token; /health and /ready stay open") {
    HttpClient client(port);
    CHECK(client.get("/metrics").status == 401);
    CHECK(get_with_header(port, "/metrics", "Bearer " + tenant).status == 200);
    CHECK(client.get("/health").status == 200);
    CHECK(client.get("/ready").status == 200);
  }
}

TEST_CASE("auth is off by default: no token is needed anywhere") {
  RunningServer server;
  const auto port = server.port();
  CHECK(rpc(port, "promise.create", create_data("open")).status() == 200);
  CHECK(rpc(port, "promise.search", {}).status() == 200);
  HttpClient client(port);
  CHECK(client.get("/metrics").status == 200);
  SseClient worker(port, "g", "p");
  CHECK(worker.status() == 200);
  // A token that would fail verification is ignored rather than refused.
  CHECK(rpc_as(port, "garbage", "promise.get", {{"id", "open"}}).status() == 200);
}

TEST_CASE("stream access: which streams a token may open, and what they carry") {
  using resonate::server::stream_access;
  const auto check = [](const json::object& claims, std::string_view group, std::string_view pid) {
    return stream_access(claims, group, pid);
  };
  const json::object tenant{{"prefix", "tenant-"}};
  const json::object grouped{{"prefix", "tenant-"}, {"groups", json::array{"default", "billing"}}};

  const auto admin = check({{"role", "Admin"}}, "any", "where");
  CHECK(admin.allowed);
  CHECK(admin.scope.prefix.empty());
  CHECK(check({{"prefix", ""}}, "any", "where").allowed);

  const auto own = check(tenant, "tenant-g", "tenant-p");
  CHECK(own.allowed);
  CHECK(own.scope.prefix == "tenant-");
  const auto foreign_group = check(tenant, "default", "tenant-p");
  CHECK_FALSE(foreign_group.allowed);
  CHECK(foreign_group.refusal ==
        "Forbidden: group 'default' and worker id 'tenant-p' must both start with the token's prefix 'tenant-', or the "
        "token list the group in a groups claim");
  CHECK_FALSE(check(tenant, "tenant-g", "other").allowed);

  // A groups claim lets the token join the listed groups under any worker id, still scoped.
  const auto listed = check(grouped, "default", "3f2a-random");
  CHECK(listed.allowed);
  CHECK(listed.scope.prefix == "tenant-");
  const auto unlisted = check(grouped, "tenant-g", "tenant-p");  // the claim replaces the prefix rule
  CHECK_FALSE(unlisted.allowed);
  CHECK(unlisted.refusal == "Forbidden: the token's groups claim does not list group 'tenant-g'");
  CHECK_FALSE(check({{"prefix", "tenant-"}, {"groups", json::array{}}}, "default", "p").allowed);
  for (const json::value& malformed : {json::value("default"), json::value(json::array{"default", 7}), json::value(nullptr)}) {
    CAPTURE(json::serialize(malformed));
    const auto refused = check({{"prefix", "tenant-"}, {"groups", malformed}}, "default", "p");
    CHECK_FALSE(refused.allowed);
    CHECK(refused.refusal == "Forbidden: the token's groups claim must be an array of strings");
  }

  for (const auto& claims : {json::object{}, json::object{{"role", "user"}}, json::object{{"prefix", 7}},
                             json::object{{"groups", json::array{"default"}}}}) {
    CAPTURE(json::serialize(claims));
    const auto refused = check(claims, "default", "p");
    CHECK_FALSE(refused.allowed);
    CHECK(refused.refusal == "Forbidden: the token has neither role admin nor a string prefix claim");
  }
}

TEST_CASE("SSE streams are scoped by the token: 403 at connect for a group or worker id it does not allow") {
  const TempPemFile key_file(rsa_key().public_pem());
  RunningServer server(auth_config(key_file));
  const auto port = server.port();
  const auto bearer = [](json::object claims) { return "Bearer " + rsa_key().sign("RS256", claims_with(std::move(claims))); };
  const auto tenant = bearer({{"prefix", "tenant-"}});
  const auto grouped = bearer({{"prefix", "tenant-"}, {"groups", json::array{"shared"}}});

  const auto foreign = get_with_header(port, "/poll/other/tenant-p", tenant);
  CHECK(foreign.status == 403);
  CHECK(foreign.content_type == "text/plain");
  CHECK(foreign.body.find("group 'other' and worker id 'tenant-p' must both start with the token's prefix 'tenant-'") !=
        std::string::npos);
  CHECK(get_with_header(port, "/poll/tenant-g/someone-else", tenant).status == 403);
  const auto unlisted = get_with_header(port, "/poll/billing/w1", grouped);
  CHECK(unlisted.status == 403);
  CHECK(unlisted.body == "Forbidden: the token's groups claim does not list group 'billing'");
  CHECK(get_with_header(port, "/poll/shared/w1", bearer({{"sub", "nobody"}})).status == 403);
  CHECK(get_with_header(port, "/poll/shared/w1", bearer({{"prefix", "tenant-"}, {"groups", "shared"}})).status == 403);

  CHECK(SseClient(port, "tenant-g", "tenant-p", 10s, tenant).status() == 200);
  CHECK(SseClient(port, "shared", "any-worker-id", 10s, grouped).status() == 200);
  CHECK(SseClient(port, "other", "x", 10s, bearer({{"role", "admin"}})).status() == 200);
  CHECK(SseClient(port, "other", "x", 10s, bearer({{"prefix", ""}})).status() == 200);
}

TEST_CASE("a scoped stream never receives another tenant's execute or unblock; a stream that may carry them does") {
  const TempPemFile key_file(rsa_key().public_pem());
  RunningServer server(auth_config(key_file));
  const auto port = server.port();
  const auto admin = rsa_key().sign("RS256", claims_with({{"role", "admin"}}));
  const auto tenant = rsa_key().sign("RS256", claims_with({{"prefix", "tenant-"}, {"groups", json::array{"shared"}}}));
  const auto is_execute = [](const json::object& m) { return text(m.at("kind")) == "execute"; };
  const auto task_of = [](const json::object& m) { return text(m.at("data").at("task").at("id")); };

  // Both registered once their 200 is read; the tenant's stream shares the admin's group.
  SseClient tenant_stream(port, "shared", "t1", 10s, "Bearer " + tenant);
  SseClient admin_stream(port, "shared", "a1", 10s, "Bearer " + admin);
  REQUIRE(tenant_stream.status() == 200);
  REQUIRE(admin_stream.status() == 200);

  // Another tenant's anycast work: each piece reaches the admin's stream, none the tenant's
  // (with two candidates, 12 anycasts all landing on one side by chance: 2^-12).
  constexpr int pieces = 12;
  for (int i = 0; i < pieces; ++i) {
    REQUIRE(rpc_as(port, admin, "promise.create", create_data("other-" + std::to_string(i), "poll://any@shared")).status() ==
            200);
  }
  std::set<std::string> received;
  for (int i = 0; i < pieces; ++i) {
    const auto message = admin_stream.next_message(10s, is_execute);
    REQUIRE(message.has_value());
    received.insert(task_of(*message));
  }
  CHECK(received.size() == pieces);

  // Another tenant's settled value, its listener addressed to the tenant's worker id: held back.
  REQUIRE(rpc_as(port, admin, "promise.create", create_data("other-secret")).status() == 200);
  REQUIRE(rpc_as(port, admin, "promise.register_listener", {{"awaited", "other-secret"}, {"address", "poll://uni@shared/t1"}})
              .status() == 200);
  REQUIRE(rpc_as(port, admin, "promise.settle",
                 {{"id", "other-secret"}, {"state", "resolved"}, {"value", json::object{{"data", "the secret"}}}})
              .status() == 200);

  // The tenant's own work comes through; a stream delivers in order, so had anything foreign
  // been queued for it before, it would come first.
  REQUIRE(rpc_as(port, tenant, "promise.create", create_data("tenant-job", "poll://uni@shared/t1")).status() == 200);
  const auto first = tenant_stream.next_event(10s);
  REQUIRE(first.has_value());
  const auto own = parse_object(*first);
  CHECK(text(own.at("kind")) == "execute");
  CHECK(task_of(own) == "tenant-job");
  CHECK(first->find("other-") == std::string::npos);

  // The held-back value is not lost: parked for worker t1, it reaches a stream of t1 that may
  // carry it.
  SseClient admin_as_t1(port, "shared", "t1", 10s, "Bearer " + admin);
  REQUIRE(admin_as_t1.status() == 200);
  const auto unblock = admin_as_t1.next_message(10s, [](const json::object& m) { return text(m.at("kind")) == "unblock"; });
  REQUIRE(unblock.has_value());
  CHECK(text(unblock->at("data").at("promise").at("id")) == "other-secret");
  CHECK(text(unblock->at("data").at("promise").at("value").at("data")) == "the secret");
  CHECK_FALSE(tenant_stream.has_event_within(0ms));
}

TEST_CASE("a stream is closed when its token expires; a stream with a valid token keeps flowing") {
  const TempPemFile key_file(rsa_key().public_pem());
  RunningServer server(auth_config(key_file));
  const auto port = server.port();
  const auto admin = rsa_key().sign("RS256", claims_with({{"role", "admin"}}));
  // Expired 28 s ago: still accepted for 1-2 s more (30 s of leeway), then refused.
  const auto expiring = rsa_key().sign("RS256", claims_with({{"prefix", ""}}, -28));

  SseClient lasting(port, "g", "lasting", 10s, "Bearer " + admin);
  const auto opened = std::chrono::steady_clock::now();
  SseClient short_lived(port, "g", "short", 10s, "Bearer " + expiring);
  REQUIRE(lasting.status() == 200);
  REQUIRE(short_lived.status() == 200);

  const auto ended = short_lived.wait_for_end(15s);
  REQUIRE(ended.has_value());
  CHECK(*ended);  // a clean end of the event stream: the client reconnects with a fresh token
  CHECK(std::chrono::steady_clock::now() - opened >= 500ms);
  CHECK(get_with_header(port, "/poll/g/short", "Bearer " + expiring).status == 401);

  REQUIRE(rpc_as(port, admin, "promise.create", create_data("after-expiry", "poll://uni@g/lasting")).status() == 200);
  const auto message = lasting.next_message(10s, [](const json::object& m) { return text(m.at("kind")) == "execute"; });
  REQUIRE(message.has_value());
  CHECK(text(message->at("data").at("task").at("id")) == "after-expiry");
  const auto metrics = get_with_header(port, "/metrics", "Bearer " + admin);
  CHECK(metrics.body.find("resonate_sse_disconnects_total{reason=\"token_expired\"} 1\n") != std::string::npos);
}
