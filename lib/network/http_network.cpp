#include "network/http_network.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "network/auth_failure.hpp"
#include "network/awaitable_io.hpp"
#include "resonate/errors.hpp"

namespace resonate::network {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;

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

namespace {

// The URLs of a comma-separated list, each parsed; throws resonate::Error for a malformed one.
std::vector<ServerUrl> parse_server_urls(std::string_view list) {
  std::vector<ServerUrl> urls;
  for (;;) {
    const auto comma = list.find(',');
    auto item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    urls.push_back(parse_server_url(item));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return urls;
}

}  // namespace

HttpNetwork::HttpNetwork(asio::any_io_executor executor, HttpConfig config)
    : strand_(asio::make_strand(executor)),
      config_(std::move(config)),
      urls_(parse_server_urls(config_.url)),
      pool_(config_.max_connections) {
  const bool any_tls = std::any_of(urls_.begin(), urls_.end(), [](const ServerUrl& url) { return url.tls; });
  if (any_tls) {
    tls_ = make_client_tls(config_.ca_file);
  } else if (!config_.ca_file.empty()) {
    config_.logger({LogLevel::warn, "the CA file is not used: the server URL is not https://",
                    {{"url", config_.url}, {"ca_file", config_.ca_file}}});
  }
}

const ServerUrl& HttpNetwork::current_url() {
  std::lock_guard lock(mutex_);
  return urls_[current_];
}

bool HttpNetwork::fail_over(const ServerUrl& failed) {
  std::string next;
  bool first_of_outage = false;
  {
    std::lock_guard lock(mutex_);
    if (urls_.size() < 2 || &urls_[current_] != &failed) return false;
    current_ = (current_ + 1) % urls_.size();
    next = urls_[current_].text;
    first_of_outage = std::exchange(answered_since_move_, false);
  }
  // The kept connections go to the server that failed.
  pool_.clear();
  // A warning per outage, not per move: with every server down the client keeps cycling.
  config_.logger({first_of_outage ? LogLevel::warn : LogLevel::debug,
                  "server unreachable: moving to the next one of the list", {{"failed", failed.text}, {"next", next}}});
  return true;
}

void HttpNetwork::answered() {
  std::lock_guard lock(mutex_);
  answered_since_move_ = true;
}

std::string HttpNetwork::current_token() const {
  if (config_.token_provider) return config_.token_provider();
  return config_.token;
}

asio::awaitable<Connection> HttpNetwork::connect(asio::any_io_executor executor, const ServerUrl& url) {
  Connection connection(std::move(executor), url, tls_ ? &*tls_ : nullptr);
  co_await connection.open(config_.request_timeout);
  co_return connection;
}

asio::awaitable<http::response<http::string_body>> HttpNetwork::exchange(http::request<http::string_body> request,
                                                                        const std::string& path,
                                                                        const std::string& token) {
  if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
  request.keep_alive(true);
  request.prepare_payload();

  // Each server of the list once, from the current one, while none can be reached.
  for (std::size_t servers_tried = 1;; ++servers_tried) {
    const ServerUrl& url = current_url();
    request.target(path.empty() ? url.rpc_target() : url.target(path));
    request.set(http::field::host, url.host_header);
    try {
      co_return co_await exchange_with(request, url);
    } catch (const PlatformError&) {
      if (!fail_over(url) || servers_tried >= urls_.size()) throw;
    }
  }
}

asio::awaitable<http::response<http::string_body>> HttpNetwork::exchange_with(
    http::request<http::string_body>& request, const ServerUrl& url) {
  auto lease = co_await pool_.acquire(config_.request_timeout);
  auto& pooled = lease.connection();
  for (;;) {
    // A kept connection to another server of the list (the client moved meanwhile) is of no use.
    if (pooled && &pooled->url() != &url) lease.discard();
    const bool reused = pooled.has_value();
    // Not on the caller's strand: a pooled connection serves later requests of any execution.
    if (!reused) pooled.emplace(co_await connect(strand_.get_inner_executor(), url));
    auto& connection = *pooled;
    connection.tcp().expires_after(config_.request_timeout);
    auto write = [&request](auto& stream) { return http::async_write(stream, request); };
    auto [write_error, written] = co_await connection.visit(write);
    // A kept connection the server closed meanwhile: the request never reached it. Another in
    // its place.
    if (write_error && reused) {
      lease.discard();
      continue;
    }
    if (write_error) throw PlatformError("cannot send to " + url.text + ": " + write_error.message());
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    auto read = [&buffer, &response](auto& stream) { return http::async_read(stream, buffer, response); };
    auto [read_error, read_bytes] = co_await connection.visit(read);
    // Closed without a byte of answer: the server dropped the idle connection as the request
    // arrived (the requests of the protocol are idempotent or version-checked, should it
    // have been applied after all). Over TLS that closure, without close_notify, reads as a
    // truncated stream.
    if (read_error && reused && read_bytes == 0 &&
        (read_error == http::error::end_of_stream || read_error == asio::error::connection_reset ||
         read_error == asio::error::eof || read_error == asio::ssl::error::stream_truncated)) {
      lease.discard();
      continue;
    }
    if (read_error) throw PlatformError("no answer from " + url.text + ": " + read_error.message());
    if (response.keep_alive()) lease.keep();
    answered();
    co_return response;
  }
}

asio::awaitable<json::object> HttpNetwork::send(json::object request) {
  // The token the envelope carries (head.auth, put there by the runtime) goes into the header
  // as well: both name the same token, and a token provider is asked once per request.
  std::string token;
  if (const auto* head = request.if_contains("head"); head && head->is_object()) {
    if (const auto* auth = head->get_object().if_contains("auth"); auth && auth->is_string()) {
      token = std::string(auth->get_string());
    }
  }
  if (token.empty()) token = current_token();
  std::string kind = "request";
  if (const auto* field = request.if_contains("kind"); field && field->is_string()) kind = std::string(field->get_string());

  http::request<http::string_body> post{http::verb::post, "/", 11};
  post.set(http::field::content_type, "application/json");
  post.body() = json::serialize(request);
  auto response = co_await exchange(std::move(post), "", token);

  boost::system::error_code parse_error;
  auto body = json::parse(response.body(), parse_error);
  if (parse_error || !body.is_object()) {
    // A proxy in front of the server (or another implementation) refuses without an envelope.
    const int status = response.result_int();
    if (is_auth_status(status)) throw auth_failure(kind, status, !token.empty());
    throw PlatformError("answer of " + current_url().text + " to " + kind + " is not a JSON envelope (HTTP " +
                        std::to_string(status) + ")");
  }
  co_return std::move(body.as_object());
}

asio::awaitable<std::optional<std::size_t>> HttpNetwork::connected_workers(std::string group) {
  std::optional<std::size_t> workers;
  try {
    http::request<http::string_body> get{http::verb::get, "/", 11};
    const auto token = current_token();
    auto response = co_await exchange(std::move(get), "/groups/" + percent_encode(group), token);
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
    cancel = cancel_wait_;
  }
  if (cancel) cancel();
  // Waiters of wait_connected observe the stop.
  asio::post(strand_, [self = shared_from_this()] {
    for (auto* waiter : self->connect_waiters_) waiter->timer.cancel();
  });
}

bool HttpNetwork::stopped() {
  std::lock_guard lock(mutex_);
  return stopped_;
}

asio::awaitable<void> HttpNetwork::wait_connected(std::optional<std::chrono::milliseconds> timeout) {
  co_await asio::co_spawn(strand_, wait_on_strand(timeout), asio::use_awaitable);
}

asio::awaitable<void> HttpNetwork::wait_on_strand(std::optional<std::chrono::milliseconds> timeout) {
  auto self = shared_from_this();
  if (stream_open_) co_return;
  if (stopped()) throw Error("stopped: the message stream of " + current_url().text + " is closed");
  ConnectWaiter waiter(strand_);
  if (timeout) {
    waiter.timer.expires_after(*timeout);
  } else {
    waiter.timer.expires_at(std::chrono::steady_clock::time_point::max());
  }
  const auto position = connect_waiters_.insert(connect_waiters_.end(), &waiter);
  co_await waiter.timer.async_wait();
  connect_waiters_.erase(position);
  if (waiter.opened) co_return;
  if (waiter.refused) throw *waiter.refused;
  if (stopped()) throw Error("stopped before the message stream of " + current_url().text + " opened");
  throw PlatformError("the message stream of " + current_url().text + " did not open within " +
                      std::to_string(timeout ? timeout->count() : 0) + " ms" +
                      (last_failure_.empty() ? std::string() : ": " + last_failure_));
}

void HttpNetwork::stream_opened() {
  answered();
  stream_open_ = true;
  refusal_reported_ = false;
  last_failure_.clear();
  for (auto* waiter : connect_waiters_) {
    waiter->opened = true;
    waiter->timer.cancel();
  }
}

void HttpNetwork::stream_refused(const AuthError& error) {
  for (auto* waiter : connect_waiters_) {
    waiter->refused = error;
    waiter->timer.cancel();
  }
}

asio::awaitable<void> HttpNetwork::poll_loop() {
  int attempt = 0;
  while (!stopped()) {
    const auto opened = std::chrono::steady_clock::now();
    const ServerUrl& url = current_url();
    std::string failure;
    std::optional<AuthError> refused;
    try {
      co_await poll_once(url);
    } catch (const AuthError& error) {
      refused = error;
      failure = error.what();
    } catch (const std::exception& error) {
      failure = error.what();
    }
    if (stopped()) break;
    last_failure_ = failure.empty() ? std::string("the server closed the stream") : failure;
    // A stream that stayed up a while counts as a success: start the backoff over.
    if (std::chrono::steady_clock::now() - opened > std::chrono::seconds(30)) attempt = 0;
    ++attempt;
    // Another server of the list may take the stream: try it soon, and back off (1, 2, 4 ...
    // 30 s) only once every server has failed in a row.
    const bool moved = !refused && fail_over(url);
    const int servers = static_cast<int>(urls_.size());
    const int rounds_failed = moved ? attempt / servers : attempt;
    const auto delay = moved && attempt % servers != 0
                           ? std::chrono::milliseconds(100)
                           : std::chrono::milliseconds(std::min<long long>(1000LL << std::min(rounds_failed - 1, 5), 30000));
    if (refused) {
      // Waiting does not fix a token: an error, once per outage (until the stream opens again).
      if (!refusal_reported_) {
        refusal_reported_ = true;
        config_.logger({LogLevel::error,
                        "message stream refused for its bearer token: no work reaches this worker until the server "
                        "accepts its token",
                        {{"group", config_.group},
                         {"status", std::to_string(refused->status())},
                         {"error", failure},
                         {"retry_in_ms", std::to_string(delay.count())}}});
      }
      stream_refused(*refused);
    } else if (attempt == 1 || attempt % 10 == 0) {
      // Once per outage (and again when it lasts), not once per attempt.
      config_.logger({LogLevel::warn,
                      "message stream lost: no new work reaches this worker until it reconnects",
                      {{"group", config_.group}, {"error", last_failure_}, {"retry_in_ms", std::to_string(delay.count())}}});
    }
    auto timer = std::make_shared<Timer>(strand_, delay);
    {
      std::lock_guard lock(mutex_);
      if (stopped_) break;
      cancel_wait_ = [timer, strand = strand_] { asio::post(strand, [timer] { timer->cancel(); }); };
    }
    co_await timer->async_wait();
    std::lock_guard lock(mutex_);
    cancel_wait_ = nullptr;
  }
}

asio::awaitable<void> HttpNetwork::poll_once(const ServerUrl& url) {
  // The stream lives on the poll loop's strand, where stop() also cancels it.
  auto connection = std::make_shared<Connection>(strand_, url, tls_ ? &*tls_ : nullptr);
  {
    std::lock_guard lock(mutex_);
    if (stopped_) co_return;
    cancel_wait_ = [connection, strand = strand_] {
      asio::post(strand, [connection] { connection->tcp().cancel(); });
    };
  }
  struct Forget {
    HttpNetwork* network;
    ~Forget() {
      network->stream_open_ = false;
      std::lock_guard lock(network->mutex_);
      network->cancel_wait_ = nullptr;
    }
  } forget{this};

  co_await connection->open(config_.request_timeout);
  if (stopped()) co_return;  // stop() came during the name lookup, which it cannot cancel
  const auto target = url.target("/poll/" + percent_encode(config_.group) + "/" + percent_encode(config_.pid));
  const auto token = current_token();
  http::request<http::empty_body> get{http::verb::get, target, 11};
  get.set(http::field::host, url.host_header);
  get.set(http::field::accept, "text/event-stream");
  if (!token.empty()) get.set(http::field::authorization, "Bearer " + token);
  connection->tcp().expires_after(config_.request_timeout);
  auto write = [&get](auto& stream) { return http::async_write(stream, get); };
  auto [write_error, written] = co_await connection->visit(write);
  if (write_error) throw PlatformError("cannot send GET " + target + " to " + url.text + ": " + write_error.message());

  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  auto read_header = [&buffer, &parser](auto& stream) { return http::async_read_header(stream, buffer, parser); };
  auto [header_error, header_bytes] = co_await connection->visit(read_header);
  if (header_error) {
    throw PlatformError("no answer to GET " + target + " from " + url.text + ": " + header_error.message());
  }
  const int status = parser.get().result_int();
  if (is_auth_status(status)) {
    // A 403 says which rule the token broke (its own claims): worth showing the user.
    std::string reason;
    if (status == 403) {
      char text[1024];
      while (!parser.is_done() && reason.size() < sizeof text) {
        parser.get().body().data = text;
        parser.get().body().size = sizeof text;
        auto read_reason = [&buffer, &parser](auto& stream) { return http::async_read_some(stream, buffer, parser); };
        auto [read_error, read] = co_await connection->visit(read_reason);
        reason.append(text, sizeof text - parser.get().body().size);
        if (read_error && read_error != http::error::need_buffer) break;
      }
    }
    throw auth_failure("the message stream (GET " + target + ")", status, !token.empty(), reason, Refused::stream);
  }
  if (status != 200) {
    throw PlatformError("the server answered GET " + target + " with HTTP " + std::to_string(status) + " " +
                        std::string(parser.get().reason()));
  }
  stream_opened();

  EventParser events;
  char chunk[8192];
  while (!parser.is_done() && !stopped()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    connection->tcp().expires_after(config_.stream_idle_timeout);
    // read_some: hand over each event as it arrives instead of waiting for a full chunk buffer.
    auto read_some = [&buffer, &parser](auto& stream) { return http::async_read_some(stream, buffer, parser); };
    auto [read_error, read] = co_await connection->visit(read_some);
    if (read_error && read_error != http::error::need_buffer) {
      if (stopped()) co_return;
      throw PlatformError("the message stream was cut: " + read_error.message());
    }
    const std::size_t got = sizeof chunk - parser.get().body().size;
    events.feed(std::string_view(chunk, got), [this](const std::string& data) {
      boost::system::error_code parse_error;
      auto message = json::parse(data, parse_error);
      if (!parse_error && message.is_object() && handler_) handler_(std::move(message.as_object()));
    });
  }
}

}  // namespace resonate::network
