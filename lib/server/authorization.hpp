// Who may do what when bearer-token authentication is on (protocol §1.3, docs/security.md).
//
// Authentication: a JWT checked by JwtVerifier; failure → 401 "Unauthorized".
// Authorization from its claims: `role` "admin" (any case) may do everything; otherwise the
// claim `prefix` must be a string ("" = everything), and every resource id the operation names
// must start with it; search operations and kinds without known resource ids are refused;
// failure → 403 "Forbidden".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/json/object.hpp>

#include "server/jwt.hpp"
#include "server/stream_scope.hpp"

namespace resonate::server {

// Whether `claims` allow the request `envelope` (kind and data as received).
bool claims_permit(const boost::json::object& claims, const boost::json::object& envelope);

// The token of an `Authorization: Bearer <token>` header value (scheme case-insensitive), or
// nullopt for any other value.
std::optional<std::string_view> bearer_token(std::string_view authorization_header);

class Authorizer {
 public:
  explicit Authorizer(JwtVerifier verifier) : verifier_(std::move(verifier)) {}

  // The CoreOptions::authorize check of one envelope: the token from head.auth, else from the
  // request's `Authorization` header value (empty when absent). {0, ""} accepts;
  // {401, "Unauthorized"} or {403, "Forbidden"} reject.
  std::pair<int, std::string> authorize(const boost::json::object& envelope, std::string_view authorization_header,
                                        std::chrono::system_clock::time_point now) const;

  // /metrics and /groups: a valid bearer token in the header value (no prefix check).
  bool authenticate_header(std::string_view authorization_header, std::chrono::system_clock::time_point now) const;

  // `GET /poll/{group}/{pid}`: a valid bearer token in the header value whose claims allow
  // that stream (stream_access.hpp). status 0 accepts, with what the stream may carry and
  // until when; 401 (body "Unauthorized") or 403 (body: why) refuse.
  struct StreamDecision {
    int status = 0;
    std::string message{};
    StreamGrant grant{};
  };
  StreamDecision authorize_stream(std::string_view authorization_header, std::string_view group, std::string_view pid,
                                  std::chrono::system_clock::time_point now) const;

 private:
  JwtVerifier verifier_;
};

}  // namespace resonate::server
