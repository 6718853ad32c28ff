#include "network/http_network.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "network/awaitable_io.hpp"
#include "resonate/errors.hpp"

namespace resonate::network {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

namespace {

std::string percent_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// Splits an SSE byte stream into events: `data:` lines joined by '\n', dispatched at a blank
// line; comment lines (":" keep-alives) and other fields are ignored.
class EventParser {
 public:
  template <class OnEvent>
  void feed(std::string_view bytes, OnEvent&& on_event) {
    for (char c : bytes) {
      if (c != '\n') {
        line_ += c;
        continue;
      }
      if (!line_.empty() && line_.back() == '\r') line_.pop_back();
      if (line_.empty()) {
        if (has_data_) on_event(data_);
        data_.clear();
        has_data_ = false;
      } else if (line_.rfind("data:", 0) == 0) {
        std::string_view value(line_);
        value.remove_prefix(5);
        if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        if (has_data_) data_ += '\n';
        data_.append(value);
        has_data_ = true;
      }
      line_.clear();
    }
  }

 private:
  std::string line_;
  std::string data_;
  bool has_data_ = false;
};

}  // namespace

HttpNetwork::HttpNetwork(asio::any_io_executor executor, HttpConfig config)
    : strand_(asio::make_strand(executor)), config_(std::move(config)), pool_(config_.max_idle_connections) {
  std::string_view url(config_.url);
  if (url.rfind("http://", 0) != 0) throw std::invalid_argument("only http:// URLs are supported: " + config_.url);
  url.remove_prefix(7);
  if (auto slash = url.find('/'); slash != std::string_view::npos) url = url.substr(0, slash);
  if (url.empty()) throw std::invalid_argument("URL without host: " + config_.url);
  if (auto colon = url.rfind(':'); colon != std::string_view::npos && url.find(']') == std::string_view::npos) {
    host_ = std::string(url.substr(0, colon));
    port_ = std::string(url.substr(colon + 1));
  } else {
    host_ = std::string(url);
    port_ = "80";
  }
}

asio::awaitable<Stream> HttpNetwork::connect() {
  // Not on the caller's strand: a pooled connection serves later requests of any execution.
  const auto executor = strand_.get_inner_executor();
  Resolver resolver(executor);
  Stream stream(executor);
  auto [resolve_error, endpoints] = co_await resolver.async_resolve(host_, port_);
  if (resolve_error) throw PlatformError("cannot resolve " + host_ + ": " + resolve_error.message());
  stream.expires_after(config_.request_timeout);
  auto [connect_error, endpoint] = co_await stream.async_connect(endpoints);
  if (connect_error) throw PlatformError("cannot connect to " + config_.url + ": " + connect_error.message());
  co_return stream;
}

asio::awaitable<http::response<http::string_body>> HttpNetwork::exchange(http::request<http::string_body> request) {
  request.set(http::field::host, host_);
  if (!config_.token.empty()) request.set(http::field::authorization, "Bearer " + config_.token);
  request.keep_alive(true);
  request.prepare_payload();

  for (;;) {
    auto pooled = pool_.take();
    const bool reused = pooled.has_value();
    if (!reused) pooled.emplace(co_await connect());
    auto& stream = *pooled;
    stream.expires_after(config_.request_timeout);
    auto [write_error, written] = co_await http::async_write(stream, request);
    // A kept connection the server closed meanwhile: the request never reached it.
    if (write_error && reused) continue;
    if (write_error) throw PlatformError("cannot send to " + config_.url + ": " + write_error.message());
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    auto [read_error, read] = co_await http::async_read(stream, buffer, response);
    // Closed without a byte of answer: the server dropped the idle connection as the request
    // arrived (the requests of the protocol are idempotent or version-checked, should it
    // have been applied after all).
    if (read_error && reused && read == 0 &&
        (read_error == http::error::end_of_stream || read_error == asio::error::connection_reset ||
         read_error == asio::error::eof)) {
      continue;
    }
    if (read_error) throw PlatformError("no answer from " + config_.url + ": " + read_error.message());
    if (response.keep_alive()) {
      pool_.give_back(std::move(stream));
    } else {
      boost::system::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    }
    co_return response;
  }
}

asio::awaitable<json::object> HttpNetwork::send(json::object request) {
  http::request<http::string_body> post{http::verb::post, "/", 11};
  post.set(http::field::content_type, "application/json");
  post.body() = json::serialize(request);
  auto response = co_await exchange(std::move(post));

  boost::system::error_code parse_error;
  auto body = json::parse(response.body(), parse_error);
  if (parse_error || !body.is_object()) {
    throw PlatformError("answer of " + config_.url + " is not a JSON envelope (HTTP " +
                        std::to_string(response.result_int()) + ")");
  }
  co_return std::move(body.as_object());
}

asio::awaitable<std::optional<std::size_t>> HttpNetwork::connected_workers(std::string group) {
  std::optional<std::size_t> workers;
  try {
    http::request<http::string_body> get{http::verb::get, "/groups/" + percent_encode(group), 11};
    auto response = co_await exchange(std::move(get));
    boost::system::error_code parse_error;
    auto body = json::parse(response.body(), parse_error);
    // Another server implementation answers 404: it cannot tell, which is not an error.
    if (response.result() == http::status::ok && !parse_error && body.is_object()) {
      const auto* count = body.as_object().if_contains("workers");
      if (count && count->is_int64() && count->get_int64() >= 0) workers = static_cast<std::size_t>(count->get_int64());
    }
  } catch (const std::exception&) {
    // Unreachable now: the call itself reports that.
  }
  co_return workers;
}

void HttpNetwork::start(MessageHandler handler) {
  handler_ = std::move(handler);
  asio::co_spawn(strand_, [self = shared_from_this()] { return self->poll_loop(); }, asio::detached);
}

void HttpNetwork::stop() {
  std::function<void()> cancel;
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    cancel = cancel_stream_;
  }
  if (cancel) cancel();
}

bool HttpNetwork::stopped() {
  std::lock_guard lock(mutex_);
  return stopped_;
}

asio::awaitable<void> HttpNetwork::poll_loop() {
  int attempt = 0;
  while (!stopped()) {
    const auto opened = std::chrono::steady_clock::now();
    std::string failure;
    try {
      co_await poll_once();
    } catch (const std::exception& error) {
      failure = error.what();
    }
    if (stopped()) break;
    // A stream that stayed up a while counts as a success: start the backoff over.
    if (std::chrono::steady_clock::now() - opened > std::chrono::seconds(30)) attempt = 0;
    const auto delay = std::chrono::milliseconds(std::min<long long>(1000LL << std::min(attempt, 5), 30000));
    ++attempt;
    // Once per outage (and again when it lasts), not once per attempt.
    if (attempt == 1 || attempt % 10 == 0) {
      config_.logger({LogLevel::warn,
                      "message stream lost: no new work reaches this worker until it reconnects",
                      {{"group", config_.group},
                       {"error", failure.empty() ? std::string("the server closed the stream") : failure},
                       {"retry_in_ms", std::to_string(delay.count())}}});
    }
    Timer timer(strand_, delay);
    co_await timer.async_wait();
  }
}

asio::awaitable<void> HttpNetwork::poll_once() {
  // The stream lives on the poll loop's strand, where stop() also cancels it.
  Resolver resolver(strand_);
  auto stream = std::make_shared<Stream>(strand_);
  {
    std::lock_guard lock(mutex_);
    if (stopped_) co_return;
    cancel_stream_ = [stream] {
      asio::post(stream->get_executor(), [stream] { stream->cancel(); });
    };
  }
  struct Forget {
    HttpNetwork* network;
    ~Forget() {
      std::lock_guard lock(network->mutex_);
      network->cancel_stream_ = nullptr;
    }
  } forget{this};

  auto [resolve_error, endpoints] = co_await resolver.async_resolve(host_, port_);
  if (resolve_error) co_return;
  stream->expires_after(config_.request_timeout);
  auto [connect_error, endpoint] = co_await stream->async_connect(endpoints);
  if (connect_error) co_return;
  http::request<http::empty_body> get{http::verb::get,
                                      "/poll/" + percent_encode(config_.group) + "/" + percent_encode(config_.pid), 11};
  get.set(http::field::host, host_);
  get.set(http::field::accept, "text/event-stream");
  if (!config_.token.empty()) get.set(http::field::authorization, "Bearer " + config_.token);
  auto [write_error, written] = co_await http::async_write(*stream, get);
  if (write_error) co_return;

  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  stream->expires_after(config_.request_timeout);
  auto [header_error, header_bytes] = co_await http::async_read_header(*stream, buffer, parser);
  if (header_error || parser.get().result() != http::status::ok) co_return;

  EventParser events;
  char chunk[8192];
  while (!parser.is_done() && !stopped()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    stream->expires_after(config_.stream_idle_timeout);
    // read_some: hand over each event as it arrives instead of waiting for a full chunk buffer.
    auto [read_error, read] = co_await http::async_read_some(*stream, buffer, parser);
    if (read_error && read_error != http::error::need_buffer) break;
    const std::size_t got = sizeof chunk - parser.get().body().size;
    events.feed(std::string_view(chunk, got), [this](const std::string& data) {
      boost::system::error_code parse_error;
      auto message = json::parse(data, parse_error);
      if (!parse_error && message.is_object() && handler_) handler_(std::move(message.as_object()));
    });
  }
}

}  // namespace resonate::network
