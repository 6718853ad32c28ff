// Maps an HTTP method and target to what the server does with it (docs/resonate-protocol.md §1.1).
#pragma once

#include <optional>
#include <ostream>  // boost/beast/http/verb.hpp streams string_views without including it
#include <string>
#include <string_view>

#include <boost/beast/http/verb.hpp>

namespace resonate::server {

struct Route {
  enum class Kind {
    rpc,                 // POST /: one protocol envelope
    poll,                // GET /poll/{group}/{id}: the SSE message stream
    health,              // GET /health
    ready,               // GET /ready
    metrics,             // GET /metrics
    group,               // GET /groups/{group}: workers connected and messages parked (JSON)
    legacy,              // /promises…, /schedules…, /tasks…: the pre-0.9 REST API, 410 Gone
    method_not_allowed,  // a known path with the wrong method
    not_found,
  };
  Kind kind = Kind::not_found;
  std::string group;  // poll, group: percent-decoded
  std::string id;     // poll: percent-decoded
  std::string_view allow;  // method_not_allowed: the accepted method
};

Route route(boost::beast::http::verb method, std::string_view target);

// Decodes %XX escapes; nullopt on a malformed escape or a decoded NUL.
std::optional<std::string> percent_decode(std::string_view text);

}  // namespace resonate::server
