#include "network/server_url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "resonate/errors.hpp"

namespace resonate::network {

namespace {

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         });
}

// RFC 3986 pchar and '/', with percent-encoded octets left as they are.
bool path_character(unsigned char c) {
  return std::isalnum(c) || std::string_view("-._~!$&'()*+,;=:@/%").find(static_cast<char>(c)) != std::string_view::npos;
}

bool name_character(unsigned char c) { return std::isalnum(c) || c == '-' || c == '.' || c == '_'; }

bool ipv6_character(unsigned char c) { return std::isxdigit(c) || c == ':' || c == '.'; }

}  // namespace

ServerUrl parse_server_url(std::string_view url) {
  const std::string quoted = "'" + std::string(url) + "'";
  auto fail = [&quoted](const std::string& what) -> Error {
    return Error("invalid server URL " + quoted + ": " + what +
                 " (expected http://host[:port][/path] or https://host[:port][/path])");
  };

  ServerUrl parsed;
  parsed.text = std::string(url);
  std::string_view rest = url;
  if (starts_with_ignoring_case(rest, "http://")) {
    rest.remove_prefix(7);
  } else if (starts_with_ignoring_case(rest, "https://")) {
    parsed.tls = true;
    rest.remove_prefix(8);
  } else {
    throw fail("the scheme must be http:// or https://");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) throw fail("a query or fragment is not supported");

  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    throw fail("user info is not supported (send credentials as RemoteConfig::token)");
  }
  if (authority.empty()) throw fail("no host");

  std::string_view host;
  std::string_view port;
  bool ipv6 = false;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) throw fail("an IPv6 address without its closing ']'");
    host = authority.substr(1, close - 1);
    ipv6 = true;
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw fail("unexpected characters after the IPv6 address");
      port = after.substr(1);
      if (port.empty()) throw fail("an empty port");
    }
    if (host.empty() || !std::all_of(host.begin(), host.end(), [](char c) { return ipv6_character(static_cast<unsigned char>(c)); })) {
      throw fail("an invalid IPv6 address");
    }
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) throw fail("an empty port");
    }
    if (host.empty()) throw fail("no host");
    if (!std::all_of(host.begin(), host.end(), [](char c) { return name_character(static_cast<unsigned char>(c)); })) {
      throw fail("invalid characters in the host");
    }
  }

  const std::string default_port = parsed.tls ? "443" : "80";
  parsed.port = default_port;
  if (!port.empty()) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (error != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
      throw fail("the port must be a number from 1 to 65535, not '" + std::string(port) + "'");
    }
    parsed.port = std::to_string(value);
  }

  if (!std::all_of(path.begin(), path.end(), [](char c) { return path_character(static_cast<unsigned char>(c)); })) {
    throw fail("invalid characters in the path (percent-encode them)");
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);

  parsed.host = std::string(host);
  parsed.base_path = std::string(path);
  parsed.host_header = ipv6 ? "[" + parsed.host + "]" : parsed.host;
  if (parsed.port != default_port) parsed.host_header += ":" + parsed.port;
  return parsed;
}

}  // namespace resonate::network
