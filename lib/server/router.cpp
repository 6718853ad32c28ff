#include "server/router.hpp"

namespace resonate::server {

namespace http = boost::beast::http;

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `/name` or `/name/...`: the legacy REST collections.
bool is_under(std::string_view path, std::string_view collection) {
  if (!path.starts_with(collection)) return false;
  return path.size() == collection.size() || path[collection.size()] == '/';
}

Route of_kind(Route::Kind kind) {
  Route route;
  route.kind = kind;
  return route;
}

Route not_allowed(std::string_view allow) {
  auto route = of_kind(Route::Kind::method_not_allowed);
  route.allow = allow;
  return route;
}

Route fixed(Route::Kind kind, http::verb method, http::verb expected, std::string_view allow) {
  return method == expected ? of_kind(kind) : not_allowed(allow);
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = hex_digit(text[i + 1]);
      const int low = hex_digit(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      c = static_cast<char>(high * 16 + low);
      i += 2;
    }
    if (c == '\0') return std::nullopt;
    out += c;
  }
  return out;
}

Route route(http::verb method, std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));

  if (path == "/") return fixed(Route::Kind::rpc, method, http::verb::post, "POST");
  // HEAD too: load balancers and uptime checkers probe health with it.
  if (path == "/health") {
    return method == http::verb::get || method == http::verb::head ? of_kind(Route::Kind::health)
                                                                    : not_allowed("GET, HEAD");
  }
  if (path == "/ready") return fixed(Route::Kind::ready, method, http::verb::get, "GET");
  if (path == "/metrics") return fixed(Route::Kind::metrics, method, http::verb::get, "GET");
  if (is_under(path, "/promises") || is_under(path, "/schedules") || is_under(path, "/tasks")) {
    return of_kind(Route::Kind::legacy);
  }

  constexpr std::string_view groups = "/groups/";
  if (path.starts_with(groups)) {
    auto group = percent_decode(path.substr(groups.size()));
    if (!group || group->empty() || group->find('/') != std::string::npos) return {};
    if (method != http::verb::get) return not_allowed("GET");
    auto group_route = of_kind(Route::Kind::group);
    group_route.group = std::move(*group);
    return group_route;
  }

  constexpr std::string_view poll = "/poll/";
  if (path.starts_with(poll)) {
    const auto rest = path.substr(poll.size());
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) return {};
    auto group = percent_decode(rest.substr(0, slash));
    auto id = percent_decode(rest.substr(slash + 1));
    // Exactly two non-empty segments (an encoded '/' inside a segment is fine).
    if (!group || !id || group->empty() || id->empty() || rest.substr(slash + 1).find('/') != std::string_view::npos) {
      return {};
    }
    if (method != http::verb::get) return not_allowed("GET");
    auto poll_route = of_kind(Route::Kind::poll);
    poll_route.group = std::move(*group);
    poll_route.id = std::move(*id);
    return poll_route;
  }
  return {};
}

}  // namespace resonate::server
