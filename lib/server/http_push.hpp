// Delivery to http:// addresses: POST the message JSON to the URL, best effort (one attempt,
// short timeout, the answer is ignored), as docs/resonate-protocol.md §1.5 describes.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "server/log.hpp"

namespace resonate::server {

struct HttpTarget {
  std::string host;
  std::string port;
  std::string path;  // "/…", at least "/"
};

// Splits `http://host[:port][/path]`; nullopt for anything else (https:// included: this server
// links no TLS library, so such messages are dropped with a warning).
std::optional<HttpTarget> parse_http_target(std::string_view url);

// Sends one POST; failures are logged at warn level and otherwise ignored. Returns whether the
// peer answered with a 2xx status.
boost::asio::awaitable<bool> push_message(HttpTarget target, std::string body, std::chrono::milliseconds timeout,
                                          Logger& log);

}  // namespace resonate::server
