// resonate-server in process: the HTTP surface (envelopes, status mapping, legacy and unknown
// paths, limits, health/ready/metrics) and SSE delivery with routing.
#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "running_server.hpp"
#include "test_client.hpp"

namespace json = boost::json;
namespace http = boost::beast::http;
using namespace resonate::test_support;
using namespace std::chrono_literals;

namespace {

bool is_execute_for(const json::object& message, std::string_view task_id) {
  return text(message.at("kind")) == "execute" && text(message.at("data").at("task").at("id")) == task_id;
}

}  // namespace

TEST_CASE("POST / answers the envelope with HTTP status = head.status and JSON content") {
  RunningServer server;
  HttpClient client(server.port());

  auto request = envelope("promise.create", create_data("p1"));
  const auto corr_id = std::string(request.at("head").at("corrId").as_string());
  const auto created = client.post("/", json::serialize(request));
  CHECK(created.status == 200);
  CHECK(created.content_type == "application/json");
  const auto body = parse_object(created.body);
  CHECK(text(body.at("kind")) == "promise.create");
  CHECK(text(body.at("head").at("corrId")) == corr_id);
  CHECK(number(body.at("head").at("status")) == 200);
  CHECK(text(body.at("data").at("promise").at("state")) == "pending");

  SUBCASE("the same keep-alive connection serves further requests") {
    CHECK(created.keep_alive);
    const auto got = rpc(client, "promise.get", json::object{{"id", "p1"}});
    CHECK(got.http_status == 200);
    CHECK(text(got.data().at("promise").at("id")) == "p1");
  }
  SUBCASE("a missing promise is 404 with a JSON envelope") {
    const auto missing = client.post("/", json::serialize(envelope("promise.get", json::object{{"id", "nope"}})));
    CHECK(missing.status == 404);
    CHECK(missing.content_type == "application/json");
    const auto envelope_body = parse_object(missing.body);
    CHECK(number(envelope_body.at("head").at("status")) == 404);
    CHECK(envelope_body.at("data").is_string());
  }
  SUBCASE("malformed JSON and a bad version are 400 envelopes") {
    const auto garbage = client.post("/", "{not json");
    CHECK(garbage.status == 400);
    CHECK(text(parse_object(garbage.body).at("kind")) == "unknown");
    auto old = envelope("promise.get", json::object{{"id", "p1"}});
    old["head"].as_object()["version"] = "2020-01-01";
    CHECK(client.post("/", json::serialize(old)).status == 400);
  }
  SUBCASE("debug operations are refused without --debug") {
    CHECK(rpc(client, "debug.snap", {}).http_status == 403);
  }
}

TEST_CASE("legacy REST paths are 410 Gone with the upgrade message") {
  RunningServer server;
  HttpClient client(server.port());
  for (auto target : {"/promises", "/promises/abc", "/schedules/x", "/tasks", "/tasks/claim"}) {
    CAPTURE(target);
    const auto gone = client.get(target);
    CHECK(gone.status == 410);
    CHECK(gone.content_type == "application/json");
    CHECK(text(parse_object(gone.body).at("error")) ==
          "This endpoint is no longer supported. Please update to the latest SDK.");
  }
  CHECK(client.post("/promises", "{}").status == 410);
}

TEST_CASE("unknown paths are 404 without a body; wrong methods 405") {
  RunningServer server;
  HttpClient client(server.port());
  const auto missing = client.get("/nothing/here");
  CHECK(missing.status == 404);
  CHECK(missing.body.empty());
  CHECK(client.get("/promisesX").status == 404);
  CHECK(client.get("/poll/only-group").status == 404);
  CHECK(client.get("/").status == 405);
  CHECK(client.post("/health", "").status == 405);
  // Health checkers probe with HEAD.
  CHECK(client.raw("HEAD /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").status == 200);
}

TEST_CASE("request headers over the limit get 431, and the server keeps serving") {
  RunningServer server;
  {
    HttpClient client(server.port());
    const auto big = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + std::string(20000, 'a') + "\r\n\r\n";
    CHECK(client.raw(big).status == 431);
  }
  HttpClient client(server.port());
  CHECK(client.get("/health").status == 200);
}

TEST_CASE("an http:// push that fails is counted as failed, not sent") {
  RunningServer server;
  // A port that was free a moment ago: nothing listens there now.
  std::string hook;
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor closed(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    hook = "http://127.0.0.1:" + std::to_string(closed.local_endpoint().port()) + "/hook";
  }
  REQUIRE(rpc(server.port(), "promise.create", create_data("pushed")).status() == 200);
  REQUIRE(rpc(server.port(), "promise.register_listener", json::object{{"awaited", "pushed"}, {"address", hook}})
              .status() == 200);
  REQUIRE(rpc(server.port(), "promise.settle", json::object{{"id", "pushed"}, {"state", "resolved"}}).status() == 200);
  // The push happens after the answer: wait for the count to appear.
  HttpClient client(server.port());
  const std::string failed = "resonate_messages_total{transport=\"http\",outcome=\"failed\"} 1\n";
  bool counted = false;
  for (int attempt = 0; attempt < 500 && !counted; ++attempt) {
    const auto metrics = client.get("/metrics").body;
    counted = metrics.find(failed) != std::string::npos;
    CHECK(metrics.find("outcome=\"sent\"") == std::string::npos);
    if (!counted) std::this_thread::sleep_for(10ms);
  }
  CHECK(counted);
}

TEST_CASE("a body over 2 MiB is refused with 413 before it is read") {
  RunningServer server;
  HttpClient client(server.port());
  const auto refused = client.raw("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3145728\r\n\r\n{");
  CHECK(refused.status == 413);
  CHECK_FALSE(refused.keep_alive);

  SUBCASE("a client that sends the whole body still reads the 413") {
    HttpClient eager(server.port());
    const auto answer = eager.post("/", std::string(3 * 1024 * 1024, ' '));
    CHECK(answer.status == 413);
  }
}

TEST_CASE("garbage on the wire is a 400, and the server keeps serving") {
  RunningServer server;
  {
    HttpClient client(server.port());
    CHECK(client.raw("NOT HTTP AT ALL\r\n\r\n").status == 400);
  }
  {
    HttpClient client(server.port());
    CHECK(client.raw("POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n").status == 400);
  }
  HttpClient client(server.port());
  CHECK(client.get("/health").status == 200);
}

TEST_CASE("health, ready and metrics") {
  RunningServer server;
  HttpClient client(server.port());
  CHECK(client.get("/health").status == 200);
  CHECK(client.get("/ready").status == 200);

  REQUIRE(rpc(client, "promise.create", create_data("m1")).status() == 200);
  REQUIRE(rpc(client, "promise.create", create_data("m2", "poll://any@nobody")).status() == 200);
  REQUIRE(rpc(client, "promise.get", json::object{{"id", "missing"}}).status() == 404);
  SseClient worker(server.port(), "g", "w1");
  REQUIRE(worker.status() == 200);

  const auto metrics = client.get("/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.content_type.starts_with("text/plain"));
  const auto& text = metrics.body;
  CHECK(text.find("resonate_promises{state=\"pending\"} 2\n") != std::string::npos);
  CHECK(text.find("resonate_promises{state=\"resolved\"} 0\n") != std::string::npos);
  // Named HOSTNAME-PID when --replica-id is not given.
  CHECK(text.find("resonate_replica_info{replica=\"") != std::string::npos);
  CHECK(text.find("resonate_tasks{state=\"pending\"} 1\n") != std::string::npos);
  CHECK(text.find("resonate_requests_total{kind=\"promise.create\",status=\"200\"} 2\n") != std::string::npos);
  CHECK(text.find("resonate_requests_total{kind=\"promise.get\",status=\"404\"} 1\n") != std::string::npos);
  CHECK(text.find("resonate_sse_connections 1\n") != std::string::npos);
  // One client, one request at a time: each request is its own commit (group commit batches
  // only requests that wait at the same time).
  CHECK(text.find("resonate_commits_total 3\n") != std::string::npos);
  CHECK(text.find("resonate_committed_requests_total 3\n") != std::string::npos);
  CHECK(text.find("resonate_commit_batch_max 1\n") != std::string::npos);
  CHECK(text.find("resonate_store_conflicts_total 0\n") != std::string::npos);
  CHECK(text.find("resonate_commit_reruns_total 0\n") != std::string::npos);
  CHECK(text.find("resonate_commit_takeovers_total 0\n") != std::string::npos);
  // A lone server's delivery takes the whole outbox (the series is there, at 0, for replicas).
  CHECK(text.find("resonate_outbox_takes_total{outcome=\"empty\"} 0\n") != std::string::npos);
}

TEST_CASE("GET /groups/{group} and the group gauges say which groups have workers and what waits") {
  RunningServer server;
  HttpClient client(server.port());
  const auto group_status = [&](std::string_view group) {
    const auto answer = client.get("/groups/" + std::string(group));
    REQUIRE(answer.status == 200);
    CHECK(answer.content_type == "application/json");
    return json::parse(answer.body).as_object();
  };
  CHECK(group_status("workers") == json::object{{"group", "workers"}, {"workers", 0}, {"parked", 0}});

  SseClient first(server.port(), "workers", "w1");
  SseClient second(server.port(), "workers", "w2");
  REQUIRE(first.status() == 200);
  REQUIRE(second.status() == 200);
  CHECK(group_status("workers").at("workers") == 2);

  // A call to a group nobody serves is parked: the client can tell it waits.
  REQUIRE(rpc(client, "promise.create", create_data("lonely", "poll://any@nobody")).status() == 200);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (group_status("nobody").at("parked") != 1 && std::chrono::steady_clock::now() < deadline) {
    // Delivery runs right after the answer on the server's I/O thread.
  }
  CHECK(group_status("nobody") == json::object{{"group", "nobody"}, {"workers", 0}, {"parked", 1}});

  const auto metrics = client.get("/metrics").body;
  CHECK(metrics.find("resonate_group_workers{group=\"workers\"} 2\n") != std::string::npos);
  CHECK(metrics.find("resonate_group_workers{group=\"nobody\"} 0\n") != std::string::npos);
  CHECK(metrics.find("resonate_group_parked_messages{group=\"nobody\"} 1\n") != std::string::npos);

  CHECK(client.get("/groups/").status == 404);
  CHECK(client.post("/groups/workers", "{}").status == 405);
}

TEST_CASE("a connected worker receives execute over SSE and acquires the task") {
  RunningServer server;
  SseClient worker(server.port(), "workers", "w1");
  CHECK(worker.status() == 200);
  CHECK(worker.content_type() == "text/event-stream");

  REQUIRE(rpc(server.port(), "promise.create", create_data("job", "poll://any@workers")).status() == 200);
  const auto message = worker.next_message(5s, [](const json::object& m) { return is_execute_for(m, "job"); });
  REQUIRE(message.has_value());
  CHECK(number(message->at("data").at("task").at("version")) == 0);
  CHECK(text(message->at("head").at("serverUrl")) == server.url());

  const auto acquired = rpc(server.port(), "task.acquire",
                            json::object{{"id", "job"}, {"version", 0}, {"pid", "w1"}, {"ttl", 60000}});
  CHECK(acquired.status() == 200);
  CHECK(number(acquired.data().at("task").at("version")) == 1);
}

TEST_CASE("poll path segments are percent-decoded") {
  RunningServer server;
  SseClient worker(server.port(), "team%2Da", "w%31");  // team-a / w1
  REQUIRE(worker.status() == 200);
  REQUIRE(rpc(server.port(), "promise.create", create_data("enc", "poll://uni@team-a/w1")).status() == 200);
  CHECK(worker.next_message(5s, [](const json::object& m) { return is_execute_for(m, "enc"); }).has_value());
}

TEST_CASE("routing: uni goes to the named worker, any prefers it, any without id reaches the group") {
  RunningServer server;
  SseClient a(server.port(), "g", "A");
  SseClient b(server.port(), "g", "B");
  SseClient other(server.port(), "h", "B");  // same pid, other group
  auto execute_for = [](std::string id) { return [id](const json::object& m) { return is_execute_for(m, id); }; };

  REQUIRE(rpc(server.port(), "promise.create", create_data("to-b", "poll://uni@g/B")).status() == 200);
  CHECK(b.next_message(5s, execute_for("to-b")).has_value());

  REQUIRE(rpc(server.port(), "promise.create", create_data("prefer-a", "poll://any@g/A")).status() == 200);
  CHECK(a.next_message(5s, execute_for("prefer-a")).has_value());

  REQUIRE(rpc(server.port(), "promise.create", create_data("fallback", "poll://any@g/Z")).status() == 200);
  const bool a_got = a.has_event_within(2s);
  const bool b_got = a_got ? false : b.has_event_within(2s);
  CHECK(a_got != b_got);

  // Nothing else was routed to A, or anything to group h: the uni and preferred messages went
  // where they were addressed. (A short wait: the messages above were delivered already.)
  CHECK_FALSE(other.has_event_within(200ms));
}

TEST_CASE("any@group spreads work over the group's workers") {
  RunningServer server;
  SseClient a(server.port(), "pool", "A");
  SseClient b(server.port(), "pool", "B");
  constexpr int jobs = 40;
  for (int i = 0; i < jobs; ++i) {
    REQUIRE(rpc(server.port(), "promise.create", create_data("spread" + std::to_string(i), "poll://any@pool")).status() == 200);
  }
  int to_a = 0;
  int to_b = 0;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (to_a + to_b < jobs && std::chrono::steady_clock::now() < deadline) {
    if (a.has_event_within(20ms)) {
      a.next_event(0ms);
      ++to_a;
    } else if (b.has_event_within(20ms)) {
      b.next_event(0ms);
      ++to_b;
    }
  }
  REQUIRE(to_a + to_b == jobs);
  // Each worker gets some: all 40 on one worker has probability 2^-39.
  CHECK(to_a > 0);
  CHECK(to_b > 0);
}

TEST_CASE("hundreds of concurrent streams stay registered and addressable") {
  RunningServer server;
  constexpr int streams = 200;
  std::vector<std::unique_ptr<SseClient>> workers;
  for (int i = 0; i < streams; ++i) {
    workers.push_back(std::make_unique<SseClient>(server.port(), "many", "w" + std::to_string(i)));
    REQUIRE(workers.back()->status() == 200);
  }
  HttpClient client(server.port());
  CHECK(client.get("/metrics").body.find("resonate_sse_connections 200\n") != std::string::npos);
  REQUIRE(rpc(client, "promise.create", create_data("last", "poll://uni@many/w199")).status() == 200);
  CHECK(workers.back()->next_message(5s, [](const json::object& m) { return is_execute_for(m, "last"); }).has_value());

  workers.resize(100);  // half of them hang up
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  bool halved = false;
  while (!halved && std::chrono::steady_clock::now() < deadline) {
    halved = client.get("/metrics").body.find("resonate_sse_connections 100\n") != std::string::npos;
  }
  CHECK(halved);
}

TEST_CASE("poll connections beyond the capacity are refused with 503") {
  auto config = test_config();
  config.max_sse_connections = 1;
  RunningServer server(config);
  SseClient first(server.port(), "g", "one");
  CHECK(first.status() == 200);
  SseClient second(server.port(), "g", "two");
  CHECK(second.status() == 503);
}

TEST_CASE("a client that stalls mid-request is disconnected after the read timeout") {
  auto config = test_config();
  config.read_timeout = 200ms;
  RunningServer server(config);
  HttpClient client(server.port());
  client.send("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Len");
  CHECK(client.closed_by_server(5s));
}

TEST_CASE("stop() ends open streams and returns") {
  RunningServer server;
  SseClient worker(server.port(), "g", "w");
  REQUIRE(worker.status() == 200);
  server.stop();
  // The stream ends (no event, and no 10 s wait for a timeout).
  const auto started = std::chrono::steady_clock::now();
  CHECK_FALSE(worker.next_event(5s).has_value());
  CHECK(std::chrono::steady_clock::now() - started < 4s);
}

TEST_CASE("unblock messages reach SSE listeners and http:// listeners") {
  RunningServer server;
  SseClient listener(server.port(), "clients", "c1");
  REQUIRE(listener.status() == 200);

  // A one-shot HTTP receiver standing in for an http:// listener.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor receiver(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto hook = "http://127.0.0.1:" + std::to_string(receiver.local_endpoint().port()) + "/hook";

  REQUIRE(rpc(server.port(), "promise.create", create_data("awaited")).status() == 200);
  REQUIRE(rpc(server.port(), "promise.register_listener",
              json::object{{"awaited", "awaited"}, {"address", "poll://uni@clients/c1"}})
              .status() == 200);
  REQUIRE(rpc(server.port(), "promise.register_listener", json::object{{"awaited", "awaited"}, {"address", hook}})
              .status() == 200);
  REQUIRE(rpc(server.port(), "promise.settle", json::object{{"id", "awaited"}, {"state", "resolved"}}).status() == 200);

  const auto unblock = listener.next_message(5s, [](const json::object& m) { return text(m.at("kind")) == "unblock"; });
  REQUIRE(unblock.has_value());
  CHECK(text(unblock->at("data").at("promise").at("state")) == "resolved");

  boost::asio::ip::tcp::socket peer(io);
  boost::beast::flat_buffer buffer;
  http::request<http::string_body> pushed;
  boost::asio::steady_timer deadline(io, 5s);
  deadline.async_wait([&](const boost::system::error_code& error) {
    if (!error) receiver.close();
  });
  receiver.async_accept(peer, [&](const boost::system::error_code& error) {
    if (error) return;
    http::async_read(peer, buffer, pushed, [&](const boost::system::error_code& read_error, std::size_t) {
      deadline.cancel();
      if (read_error) return;
      http::response<http::empty_body> ok{http::status::ok, 11};
      http::write(peer, ok);
    });
  });
  io.run();
  CHECK(pushed.method() == http::verb::post);
  CHECK(pushed.target() == "/hook");
  CHECK(pushed[http::field::content_type] == "application/json");
  REQUIRE_FALSE(pushed.body().empty());
  CHECK(text(parse_object(pushed.body()).at("kind")) == "unblock");
}

TEST_CASE("the ticker settles a timer at its deadline with no other traffic") {
  auto config = test_config();
  config.tick_interval = 50ms;
  RunningServer server(config);
  SseClient listener(server.port(), "clients", "c1");
  REQUIRE(listener.status() == 200);

  const auto deadline = std::chrono::duration_cast<std::chrono::milliseconds>(
                            (std::chrono::system_clock::now() + 300ms).time_since_epoch())
                            .count();
  json::object timer{{"id", "sleep"},
                     {"timeoutAt", deadline},
                     {"param", json::object{}},
                     {"tags", json::object{{"resonate:timer", "true"}, {"resonate:target", "poll://any@nobody"}}}};
  REQUIRE(rpc(server.port(), "promise.create", std::move(timer)).status() == 200);
  REQUIRE(rpc(server.port(), "promise.register_listener",
              json::object{{"awaited", "sleep"}, {"address", "poll://uni@clients/c1"}})
              .status() == 200);

  const auto unblock = listener.next_message(5s, [](const json::object& m) { return text(m.at("kind")) == "unblock"; });
  REQUIRE(unblock.has_value());
  const auto& promise = unblock->at("data").at("promise");
  CHECK(text(promise.at("state")) == "resolved");
  CHECK(number(promise.at("settledAt")) >= deadline);
}
