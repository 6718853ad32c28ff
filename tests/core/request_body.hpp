// The raw body of a `POST /` request, for the core tests that drive Core::apply with text.
#pragma once

#include <string>
#include <string_view>

namespace resonate::core_test {

inline std::string request_body(std::string_view kind, std::string_view data, std::string_view corr_id = "c") {
  return std::string(R"({"kind":")") + std::string(kind) + R"(","head":{"corrId":")" + std::string(corr_id) +
         R"(","version":"2026-04-01"},"data":)" + std::string(data) + "}";
}

}  // namespace resonate::core_test
