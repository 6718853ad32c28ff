#include "server/http_push.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "server/awaitable_io.hpp"

namespace resonate::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::optional<HttpTarget> parse_http_target(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (!url.starts_with(scheme)) return std::nullopt;
  auto rest = url.substr(scheme.size());
  const auto path_at = rest.find_first_of("/?#");
  auto authority = rest.substr(0, path_at);
  HttpTarget target;
  target.path = path_at == std::string_view::npos ? "/" : std::string(rest.substr(path_at));
  if (target.path.front() != '/') target.path.insert(0, "/");
  if (const auto fragment = target.path.find('#'); fragment != std::string::npos) target.path.resize(fragment);
  if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no credentials in addresses
  if (authority.starts_with('[')) {  // [v6]:port
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    target.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (!authority.empty() && authority.front() != ':') return std::nullopt;
    target.port = authority.empty() ? "80" : std::string(authority.substr(1));
  } else {
    const auto colon = authority.find(':');
    target.host = std::string(authority.substr(0, colon));
    target.port = colon == std::string_view::npos ? "80" : std::string(authority.substr(colon + 1));
  }
  if (target.host.empty() || target.port.empty()) return std::nullopt;
  return target;
}

asio::awaitable<bool> push_message(HttpTarget target, std::string body, std::chrono::milliseconds timeout,
                                   Logger& log) {
  auto executor = co_await asio::this_coro::executor;
  Resolver resolver(executor);
  Stream stream(executor);
  auto fail = [&](std::string_view step, const boost::system::error_code& error) {
    log.warn("http push failed", {{"host", target.host}, {"port", target.port}, {"step", step}, {"error", error.message()}});
    return false;
  };

  auto [resolve_error, endpoints] = co_await resolver.async_resolve(target.host, target.port);
  if (resolve_error) co_return fail("resolve", resolve_error);

  stream.expires_after(timeout);
  auto [connect_error, endpoint] = co_await stream.async_connect(endpoints);
  if (connect_error) co_return fail("connect", connect_error);

  http::request<http::string_body> request{http::verb::post, target.path, 11};
  request.set(http::field::host, target.host + ":" + target.port);
  request.set(http::field::content_type, "application/json");
  request.set(http::field::connection, "close");
  request.body() = std::move(body);
  request.prepare_payload();
  auto [write_error, written] = co_await http::async_write(stream, request);
  if (write_error) co_return fail("write", write_error);

  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  auto [read_error, read] = co_await http::async_read(stream, buffer, response);
  if (read_error) co_return fail("read", read_error);

  boost::system::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  co_return response.result_int() >= 200 && response.result_int() < 300;
}

}  // namespace resonate::server
