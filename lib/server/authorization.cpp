#include "server/authorization.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "server/stream_access.hpp"
#include "wire/resources.hpp"

namespace resonate::server {

namespace json = boost::json;

namespace {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

bool claims_permit(const json::object& claims, const json::object& envelope) {
  if (const auto* role = claims.if_contains("role"); role != nullptr && role->is_string() &&
                                                      equals_ignoring_case(role->get_string(), "admin")) {
    return true;
  }
  const auto* prefix = claims.if_contains("prefix");
  if (prefix == nullptr || !prefix->is_string()) return false;
  if (prefix->get_string().empty()) return true;

  const auto* kind = envelope.if_contains("kind");
  const auto* data = envelope.if_contains("data");
  if (kind == nullptr || !kind->is_string() || data == nullptr) return false;
  const auto ids = wire::resource_ids(kind->get_string(), *data);
  if (!ids) return false;
  const std::string_view wanted = prefix->get_string();
  return std::all_of(ids->begin(), ids->end(), [wanted](const json::value* id) {
    return id != nullptr && id->is_string() && std::string_view(id->get_string()).starts_with(wanted);
  });
}

std::optional<std::string_view> bearer_token(std::string_view header) {
  constexpr std::string_view scheme = "bearer ";
  if (header.size() <= scheme.size() || !equals_ignoring_case(header.substr(0, scheme.size()), scheme)) {
    return std::nullopt;
  }
  auto token = header.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  return token;
}

std::pair<int, std::string> Authorizer::authorize(const json::object& envelope, std::string_view authorization_header,
                                                  std::chrono::system_clock::time_point now) const {
  std::optional<std::string_view> token;
  const auto* head = envelope.if_contains("head");
  const auto* auth = head != nullptr && head->is_object() ? head->get_object().if_contains("auth") : nullptr;
  if (auth != nullptr && auth->is_string()) {
    token = auth->get_string();
  } else {
    token = bearer_token(authorization_header);
  }
  if (!token) return {401, "Unauthorized"};
  const auto verification = verifier_.verify(*token, now);
  if (!verification.valid) return {401, "Unauthorized"};
  if (!claims_permit(verification.claims, envelope)) return {403, "Forbidden"};
  return {0, ""};
}

bool Authorizer::authenticate_header(std::string_view header, std::chrono::system_clock::time_point now) const {
  const auto token = bearer_token(header);
  return token && verifier_.verify(*token, now).valid;
}

Authorizer::StreamDecision Authorizer::authorize_stream(std::string_view header, std::string_view group,
                                                       std::string_view pid,
                                                       std::chrono::system_clock::time_point now) const {
  const auto token = bearer_token(header);
  if (!token) return {401, "Unauthorized", {}};
  auto verification = verifier_.verify(*token, now);
  if (!verification.valid) return {401, "Unauthorized", {}};
  auto access = stream_access(verification.claims, group, pid);
  if (!access.allowed) return {403, std::move(access.refusal), {}};
  return {0, {}, StreamGrant{std::move(access.scope), verification.refused_from}};
}

}  // namespace resonate::server
