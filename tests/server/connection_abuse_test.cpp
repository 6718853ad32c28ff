// resonate-server under bad clients: connections that send nothing, half a request or a
// trickle of bytes must be cut at the read timeout without slowing anybody else down, a
// flood of SSE subscribers must stay cheap, leave the server responsive and be cleaned up
// when the subscribers go away, and a subscriber that stays connected but never reads must be
// cut (queue full, or a write stalled) without growing the server's memory, stalling other
// streams or losing what it was sent.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <sys/resource.h>
#include <unistd.h>

#include "running_server.hpp"
#include "test_client.hpp"

namespace json = boost::json;
using namespace resonate::test_support;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

// GCC defines __SANITIZE_ADDRESS__; clang 14 answers __has_feature instead.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RESONATE_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(RESONATE_TEST_ASAN)
constexpr bool address_sanitizer = true;
#else
constexpr bool address_sanitizer = false;
#endif

// Both ends of every connection live in this process: lift the descriptor limit (often a soft
// 1024) to what the hard limit allows so hundreds of connections fit.
void allow_many_descriptors() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t wanted = limit.rlim_max == RLIM_INFINITY ? 8192 : std::min<rlim_t>(limit.rlim_max, 8192);
  if (limit.rlim_cur < wanted) {
    limit.rlim_cur = wanted;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// Resident memory of this process (server and clients together), in bytes.
std::size_t resident_bytes() {
  long pages = 0;
  long resident = 0;
  if (std::FILE* file = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(file, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(file);
  }
  return static_cast<std::size_t>(resident) * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

// A well-behaved client's round trip (new connection, promise.create, promise.get) and how long
// it took.
Clock::duration round_trip(std::uint16_t port, const std::string& id) {
  const auto started = Clock::now();
  HttpClient client(port, 5s);
  REQUIRE(rpc(client, "promise.create", create_data(id)).status() == 200);
  REQUIRE(rpc(client, "promise.get", json::object{{"id", id}}).status() == 200);
  return Clock::now() - started;
}

// The resonate_sse_connections gauge, polled until it reads `count` (true) or `timeout` passes.
bool sse_gauge_reaches(std::uint16_t port, std::size_t count, std::chrono::milliseconds timeout) {
  const std::string sample = "resonate_sse_connections " + std::to_string(count) + "\n";
  const auto deadline = Clock::now() + timeout;
  do {
    HttpClient client(port);
    if (client.get("/metrics").body.find(sample) != std::string::npos) return true;
    std::this_thread::sleep_for(20ms);
  } while (Clock::now() < deadline);
  return false;
}

bool is_execute_for(const json::object& message, std::string_view task_id) {
  return text(message.at("kind")) == "execute" && text(message.at("data").at("task").at("id")) == task_id;
}

bool is_unblock_for(const json::object& message, std::string_view promise_id) {
  return text(message.at("kind")) == "unblock" && text(message.at("data").at("promise").at("id")) == promise_id;
}

// The value of the sample `name` (with its labels, as rendered) in a /metrics body; 0 when absent.
std::uint64_t sample_of(const std::string& metrics, std::string_view name) {
  const auto line = "\n" + std::string(name) + " ";
  const auto at = metrics.find(line);
  if (at == std::string::npos) return 0;
  return std::stoull(metrics.substr(at + line.size()));
}

std::string metrics_of(std::uint16_t port) {
  HttpClient client(port);
  return client.get("/metrics").body;
}

// Subscribes to /poll/{group}/{id} over a raw socket and then reads nothing, with a small
// receive buffer so that the kernel's buffers fill after a few MiB.
class SilentSubscriber {
 public:
  SilentSubscriber(std::uint16_t port, std::string_view group, std::string_view id) : socket_(io_), timer_(io_) {
    namespace asio = boost::asio;
    socket_.open(asio::ip::tcp::v4());
    socket_.set_option(asio::socket_base::receive_buffer_size(4096));
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
    const std::string request = "GET /poll/" + std::string(group) + "/" + std::string(id) +
                                " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
    asio::write(socket_, asio::buffer(request));
  }

  // Only once the test expects the server to have cut the stream: reads what the kernel still
  // holds; true when the server's end of the connection closes (EOF or reset) within `timeout`.
  bool closed_by_server_within(std::chrono::milliseconds timeout) {
    bool ended = false;
    bool expired = false;
    char sink[64 * 1024];
    std::function<void()> read_more = [&] {
      socket_.async_read_some(boost::asio::buffer(sink), [&](const boost::system::error_code& error, std::size_t) {
        if (error) {
          ended = !expired;
          timer_.cancel();
          return;
        }
        read_more();
      });
    };
    timer_.expires_after(timeout);
    timer_.async_wait([&](const boost::system::error_code& error) {
      if (error) return;
      expired = true;
      socket_.cancel();
    });
    read_more();
    io_.restart();
    io_.run();
    return ended;
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
};

// What the server writes to std::cerr while it lives (its log), kept for the checks.
class CapturedStderr {
 public:
  CapturedStderr() : previous_(std::cerr.rdbuf(captured_.rdbuf())) {}
  ~CapturedStderr() { std::cerr.rdbuf(previous_); }
  CapturedStderr(const CapturedStderr&) = delete;
  CapturedStderr& operator=(const CapturedStderr&) = delete;
  // Only once the server is stopped (its thread writes it).
  std::string text() const { return captured_.str(); }

 private:
  std::ostringstream captured_;
  std::streambuf* previous_;
};

}  // namespace

TEST_CASE("silent and half-sent connections are cut at the read timeout; others are served meanwhile") {
  allow_many_descriptors();
  auto config = test_config();
  config.read_timeout = 3000ms;
  RunningServer server(config);

  // 300 bad clients: a third sends nothing, a third stops inside the headers, a third declares
  // a body and sends only part of it (one of each stalls a poll request instead).
  std::vector<std::unique_ptr<HttpClient>> stalled;
  const auto opened = Clock::now();
  for (int i = 0; i < 300; ++i) {
    stalled.push_back(std::make_unique<HttpClient>(server.port()));
    switch (i % 3) {
      case 0: break;
      case 1:
        stalled.back()->send(i == 1 ? "GET /poll/g/w HTTP/1.1\r\nHost: 127.0.0.1\r\nAcc"
                                    : "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty");
        break;
      case 2:
        stalled.back()->send("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"kind\":\"prom");
        break;
    }
  }

  // While they hang, well-behaved clients get prompt answers.
  for (int i = 0; i < 20; ++i) {
    const auto took = round_trip(server.port(), "meanwhile-" + std::to_string(i));
    CHECK(took < 1s);  // a server blocked by the stalls would take the read timeout
  }
  CHECK(Clock::now() - opened < config.read_timeout);  // (still within the stall, or the check is void)

  // Every bad connection is closed by the server, none before the timeout nor long after it.
  for (auto& client : stalled) CHECK(client->closed_by_server(5s));
  const auto closed = Clock::now() - opened;
  CHECK(closed >= config.read_timeout - 100ms);
  CHECK(closed < config.read_timeout + 2s);
  CHECK(round_trip(server.port(), "after") < 1s);
}

TEST_CASE("a client that trickles bytes is cut at the read timeout although it keeps sending") {
  auto config = test_config();
  config.read_timeout = 300ms;
  RunningServer server(config);
  HttpClient client(server.port());
  const std::string header = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + std::string(200, 'a');
  const auto started = Clock::now();
  bool cut = false;
  // One byte every 20 ms (the pacing is the scenario): every byte arrives well inside any
  // per-read timeout, only the deadline for the whole request can stop it.
  for (std::size_t i = 0; i < header.size() && !cut; ++i) {
    try {
      client.send(header.substr(i, 1));
    } catch (const std::exception&) {
      cut = true;  // the server closed (reset) the connection
      break;
    }
    cut = client.closed_by_server(20ms);
  }
  CHECK(cut);
  CHECK(Clock::now() - started < 2s);
}

TEST_CASE("an idle keep-alive connection is closed after the read timeout") {
  auto config = test_config();
  config.read_timeout = 300ms;
  RunningServer server(config);
  HttpClient client(server.port());
  REQUIRE(client.get("/health").status == 200);
  CHECK(client.closed_by_server(3s));
}

TEST_CASE("a flood of SSE subscribers: responsive, bounded memory, cleaned up when they close") {
  allow_many_descriptors();
  constexpr std::size_t subscribers = 500;
  auto config = test_config();
  config.max_sse_connections = subscribers;  // so a leaked registration would refuse the second wave
  RunningServer server(config);
  REQUIRE(round_trip(server.port(), "warm-up") < 1s);
  const auto memory_before = resident_bytes();
  std::size_t first_wave_growth = 0;

  for (int wave = 0; wave < 2; ++wave) {
    CAPTURE(wave);
    std::vector<std::unique_ptr<SseClient>> streams;
    for (std::size_t i = 0; i < subscribers; ++i) {
      streams.push_back(std::make_unique<SseClient>(server.port(), "flood", "w" + std::to_string(i)));
      REQUIRE(streams.back()->status() == 200);
    }
    CHECK(sse_gauge_reaches(server.port(), subscribers, 2s));
    // One more is over the capacity.
    SseClient extra(server.port(), "flood", "extra");
    CHECK(extra.status() == 503);

    // The server still answers promptly and still delivers to a chosen subscriber.
    for (int i = 0; i < 10; ++i) {
      CHECK(round_trip(server.port(), "flood-" + std::to_string(wave) + "-" + std::to_string(i)) < 1s);
    }
    const std::string task = "flood-task-" + std::to_string(wave);
    REQUIRE(rpc(server.port(), "promise.create", create_data(task, "poll://uni@flood/w321")).status() == 200);
    CHECK(streams[321]->next_message(5s, [&](const json::object& m) { return is_execute_for(m, task); }).has_value());

    // Memory: both ends of 500 streams in this process; a few tens of KiB each at most.
    const auto memory_during = resident_bytes();
    const auto growth = memory_during > memory_before ? memory_during - memory_before : 0;
    MESSAGE("wave " << wave << ": resident memory +" << growth / 1024 << " KiB for " << subscribers << " streams");
    CHECK(growth / subscribers < 128 * 1024);
    // The second wave reuses what the first one freed instead of adding to it (not under
    // AddressSanitizer, whose quarantine deliberately keeps freed memory from being reused).
    if (wave == 0) first_wave_growth = growth;
    if (wave == 1 && !address_sanitizer) CHECK(growth < first_wave_growth + 8 * 1024 * 1024);

    streams.clear();  // every subscriber hangs up
    CHECK(sse_gauge_reaches(server.port(), 0, 5s));
  }
  CHECK(round_trip(server.port(), "after-flood") < 1s);
}

TEST_CASE("a subscriber that never reads is cut, its messages are not lost, and other streams keep flowing") {
  // Large unblock values fill the kernel's socket buffers (a few MiB on loopback) quickly.
  const std::string value(256 * 1024, 'v');
  constexpr std::size_t queue_bytes = 2 * 1024 * 1024;
  constexpr int max_pushes = 200;
  std::string reason;
  auto config = test_config();
  config.log_level = resonate::server::LogLevel::warn;
  SUBCASE("its queue fills up (bounded in bytes)") {
    reason = "queue_full";
    config.sse_queue_bytes = queue_bytes;
  }
  SUBCASE("a write stalls past the write timeout") {
    reason = "write_stalled";
    config.sse_queue_bytes = std::size_t{1} << 30;  // never reached here: the write timeout cuts first
    config.write_timeout = 1s;
  }
  CAPTURE(reason);
  const auto disconnects = "resonate_sse_disconnects_total{reason=\"" + reason + "\"}";
  // The most a stream may hold: its bound, plus the one message that did not fit.
  const auto held_bound = config.sse_queue_bytes + value.size() + 4096;
  CapturedStderr log;
  std::string last_pushed;
  {
    RunningServer server(config);
    const auto port = server.port();
    SseClient fast(port, "g", "fast");
    REQUIRE(fast.status() == 200);
    SilentSubscriber slow(port, "g", "slow");
    REQUIRE(sse_gauge_reaches(port, 2, 5s));

    // Settled values for worker "slow", until the server cuts it; all along, work for "fast"
    // still reaches it promptly.
    int pushed = 0;
    // Since when the server holds bytes it could not write (max: it does not); not a
    // std::optional, which GCC 12 takes for maybe-uninitialized here.
    auto held_since = Clock::time_point::max();
    const auto deadline = Clock::now() + 30s;
    for (;;) {
      const auto metrics = metrics_of(port);
      const auto held = sample_of(metrics, "resonate_sse_queued_bytes");
      CHECK(held <= held_bound);
      if (sample_of(metrics, disconnects) == 1) break;
      REQUIRE_MESSAGE(Clock::now() < deadline, "the silent subscriber was never cut; pushed " << pushed);
      if (held == 0) held_since = Clock::time_point::max();
      else if (held_since == Clock::time_point::max()) held_since = Clock::now();
      // A stalled write is cut write_timeout after it began: from the first moment bytes stayed held.
      if (reason == "write_stalled" && held_since != Clock::time_point::max()) {
        REQUIRE(Clock::now() - held_since < config.write_timeout + 5s);
      }
      // For a write stall, push while the server keeps up, then wait for the cut.
      const bool push = pushed < max_pushes && (reason == "queue_full" || held == 0);
      if (!push) {
        std::this_thread::sleep_for(10ms);
        continue;
      }
      last_pushed = "slow-" + std::to_string(pushed++);
      REQUIRE(rpc(port, "promise.create", create_data(last_pushed)).status() == 200);
      REQUIRE(rpc(port, "promise.register_listener",
                  json::object{{"awaited", last_pushed}, {"address", "poll://uni@g/slow"}})
                  .status() == 200);
      REQUIRE(rpc(port, "promise.settle",
                  json::object{{"id", last_pushed}, {"state", "resolved"}, {"value", json::object{{"data", value}}}})
                  .status() == 200);
      if (pushed % 4 == 0) {
        const auto task = "fast-" + std::to_string(pushed);
        REQUIRE(rpc(port, "promise.create", create_data(task, "poll://uni@g/fast")).status() == 200);
        CHECK(fast.next_message(5s, [&](const json::object& m) { return is_execute_for(m, task); }).has_value());
      }
    }
    MESSAGE(reason << ": cut after " << pushed << " values of " << value.size() / 1024 << " KiB");

    // The server closed its end: the client reads what the kernel held, then the end.
    CHECK(slow.closed_by_server_within(10s));
    CHECK(sse_gauge_reaches(port, 1, 5s));
    const auto after = metrics_of(port);
    CHECK(sample_of(after, "resonate_sse_queued_bytes") < held_bound);
    CHECK(sample_of(after, "resonate_parked_bytes") > 0);

    // Still flowing after the cut.
    REQUIRE(rpc(port, "promise.create", create_data("fast-after", "poll://uni@g/fast")).status() == 200);
    CHECK(fast.next_message(5s, [](const json::object& m) { return is_execute_for(m, "fast-after"); }).has_value());

    // What the cut stream had not written waits parked for worker "slow": its reconnect gets it,
    // the value that was last pushed included (never written before the cut).
    SseClient back(port, "g", "slow");
    REQUIRE(back.status() == 200);
    CHECK(back.next_message(10s, [&](const json::object& m) { return is_unblock_for(m, last_pushed); }).has_value());
  }
  const auto lines = log.text();
  CHECK_MESSAGE(lines.find("level=warn msg=\"poll stream cut: its client is not reading") != std::string::npos, lines);
  CHECK(lines.find("group=g id=slow reason=" + reason) != std::string::npos);
}
