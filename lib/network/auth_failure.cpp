#include "network/auth_failure.hpp"

#include <string>

namespace resonate::network {

AuthError auth_failure(std::string_view what, int status, bool token_sent, std::string_view detail, Refused refused) {
  std::string message(what);
  if (status == 403) {
    message += ": the server's authorization refused the request (403 Forbidden";
    // The server's reason already starts "Forbidden: …".
    if (detail.starts_with("Forbidden: ")) detail.remove_prefix(11);
    if (!detail.empty() && detail != "Forbidden") message += ": " + std::string(detail);
    message += refused == Refused::stream
                   ? "): the bearer token does not permit this stream (its groups claim must list the group, or "
                     "without one its prefix claim start both the group and the worker id, or its role be admin)"
                   : "): the bearer token does not permit it (its prefix claim must cover every promise id it "
                     "names, or its role be admin)";
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
