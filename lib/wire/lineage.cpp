#include "wire/lineage.hpp"

#include <string>

#include "wire/json_codec.hpp"

namespace resonate::wire {

std::string_view origin_of(std::string_view id) { return id.substr(0, id.find(':')); }

bool extends(std::string_view id, std::string_view ancestor) {
  if (!id.starts_with(ancestor)) return false;
  if (id.size() == ancestor.size()) return true;
  char separator = id[ancestor.size()];
  return separator == ':' || separator == '.';
}

void validate_lineage(std::string_view id, const Tags& tags) {
  auto check = [&](std::string_view tag_name) {
    auto it = tags.find(tag_name);
    if (it == tags.end()) return;
    if (!extends(id, it->second)) {
      throw InvalidRequest("Promise ID '" + std::string(id) + "' must extend its " + std::string(tag_name) +
                           " tag '" + it->second + "'");
    }
  };
  if (auto origin = tags.find(tag::origin); origin != tags.end() && origin->second.find(':') != std::string::npos) {
    throw InvalidRequest("Tag resonate:origin must not contain ':'");
  }
  check(tag::origin);
  check(tag::branch);
  check(tag::parent);
}

}  // namespace resonate::wire
