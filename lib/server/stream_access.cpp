#include "server/stream_access.hpp"

#include <algorithm>
#include <cctype>

namespace resonate::server {

namespace json = boost::json;

namespace {

bool is_admin(const json::object& claims) {
  const auto* role = claims.if_contains("role");
  if (role == nullptr || !role->is_string()) return false;
  const std::string_view text = role->get_string();
  constexpr std::string_view admin = "admin";
  return text.size() == admin.size() && std::equal(text.begin(), text.end(), admin.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

StreamAccess refuse(std::string why) { return StreamAccess{false, "Forbidden: " + std::move(why), {}}; }

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

}  // namespace

StreamAccess stream_access(const json::object& claims, std::string_view group, std::string_view pid) {
  if (is_admin(claims)) return StreamAccess{true, {}, StreamScope{}};
  const auto* prefix_claim = claims.if_contains("prefix");
  if (prefix_claim == nullptr || !prefix_claim->is_string()) {
    return refuse("the token has neither role admin nor a string prefix claim");
  }
  const std::string prefix(prefix_claim->get_string());

  if (const auto* groups = claims.if_contains("groups")) {
    if (!groups->is_array() ||
        !std::all_of(groups->get_array().begin(), groups->get_array().end(),
                     [](const json::value& entry) { return entry.is_string(); })) {
      return refuse("the token's groups claim must be an array of strings");
    }
    const auto& listed = groups->get_array();
    const bool member = std::any_of(listed.begin(), listed.end(),
                                    [group](const json::value& entry) { return entry.get_string() == group; });
    if (!member) return refuse("the token's groups claim does not list group " + quoted(group));
    return StreamAccess{true, {}, StreamScope{prefix}};
  }

  if (!group.starts_with(prefix) || !pid.starts_with(prefix)) {
    return refuse("group " + quoted(group) + " and worker id " + quoted(pid) + " must both start with the token's prefix " +
                  quoted(prefix) + ", or the token list the group in a groups claim");
  }
  return StreamAccess{true, {}, StreamScope{prefix}};
}

}  // namespace resonate::server
