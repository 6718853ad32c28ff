// Standard base64 with padding: how payload JSON travels inside Value.data.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace resonate::sdk {

std::string base64_encode(std::string_view bytes);
// nullopt when `text` is not valid padded base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace resonate::sdk
