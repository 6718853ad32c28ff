// The AuthError of a request the server refused with 401 or 403, worded the same wherever the
// SDK meets one: an envelope's status (Runtime::send), an HTTP status without an envelope (a
// proxy's page), the message stream.
#pragma once

#include <string_view>

#include "resonate/errors.hpp"

namespace resonate::network {

// What was refused: the claims that would permit it differ (docs/security.md).
enum class Refused { request, stream };

// `what` names the refused request ("promise.create", "the message stream GET /poll/g/p");
// `token_sent` tells a missing token from a refused one; `detail` is the server's own message.
AuthError auth_failure(std::string_view what, int status, bool token_sent, std::string_view detail = {},
                       Refused refused = Refused::request);

inline bool is_auth_status(int status) { return status == 401 || status == 403; }

}  // namespace resonate::network
