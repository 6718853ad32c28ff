#include "network/auth_failure.hpp"

#include <string>

namespace resonate::network {

AuthError auth_failure(std::string_view what, int status, bool token_sent, std::string_view detail) {
  std::string message(what);
  if (status == 403) {
    message += ": the server's authorization refused the request (403 Forbidden";
    if (!detail.empty() && detail != "Forbidden") message += ": " + std::string(detail);
    message += "): the bearer token does not permit it (its prefix claim must cover every promise id it names, "
               "or its role be admin)";
  } else if (!token_sent) {
    message += ": the server requires a bearer token (401 Unauthorized) and none was sent: set "
               "RemoteConfig::token, RemoteConfig::token_provider or RESONATE_TOKEN";
  } else {
    message += ": the server refused the bearer token (401 Unauthorized): it is invalid, expired, or for another "
               "issuer or audience";
  }
  return AuthError(message, status);
}

}  // namespace resonate::network
