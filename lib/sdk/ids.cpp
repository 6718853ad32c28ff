#include "sdk/ids.hpp"

#include <charconv>
#include <cstdio>

namespace resonate::sdk {

namespace {
char separator_of(std::string_view parent, IdGrammar grammar) {
  if (grammar == IdGrammar::dots) return '.';
  return parent.find(':') == std::string_view::npos ? ':' : '.';
}

std::optional<std::uint64_t> position_after(std::string_view parent, std::string_view id, char separator) {
  if (id.size() <= parent.size() + 1 || !id.starts_with(parent) || id[parent.size()] != separator) {
    return std::nullopt;
  }
  const auto digits = id.substr(parent.size() + 1);
  std::uint64_t position = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), position);
  if (error != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return position;
}
}  // namespace

std::string child_prefix(std::string_view parent, IdGrammar grammar) {
  std::string prefix;
  prefix.reserve(parent.size() + 1);
  prefix.append(parent);
  prefix += separator_of(parent, grammar);
  return prefix;
}

std::string child_id(std::string_view parent, std::uint64_t seq, IdGrammar grammar) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, seq).ptr;
  std::string id;
  id.reserve(parent.size() + 1 + static_cast<std::size_t>(end - digits));
  id.append(parent);
  id += separator_of(parent, grammar);
  id.append(digits, end);
  return id;
}

std::optional<ChildSpelling> child_spelling(std::string_view id) {
  // Read from the end (this runs for every record a pass receives): the digits, then the
  // separator before them. At most 19 digits, so the value cannot overflow.
  std::size_t start = id.size();
  while (start > 0 && id[start - 1] >= '0' && id[start - 1] <= '9') --start;
  const std::size_t digits = id.size() - start;
  if (digits == 0 || digits > 19 || (digits > 1 && id[start] == '0')) return std::nullopt;
  if (start < 2 || (id[start - 1] != '.' && id[start - 1] != ':')) return std::nullopt;
  std::uint64_t position = 0;
  for (std::size_t i = start; i < id.size(); ++i) position = position * 10 + static_cast<std::uint64_t>(id[i] - '0');
  return ChildSpelling{id.substr(0, start), position};
}

std::optional<std::uint64_t> child_position(std::string_view parent, std::string_view id, IdGrammar grammar) {
  return position_after(parent, id, separator_of(parent, grammar));
}

std::optional<IdGrammar> grammar_shown(std::string_view root, std::string_view id) {
  if (root.find(':') != std::string_view::npos) return std::nullopt;
  if (position_after(root, id, ':')) return IdGrammar::colon_first;
  if (position_after(root, id, '.')) return IdGrammar::dots;
  return std::nullopt;
}

namespace {
// cyrb53 (seed 0) over UTF-8 bytes with 32-bit arithmetic, as the TS SDK computes it.
std::uint64_t cyrb53(std::string_view text) {
  std::uint32_t h1 = 0xdeadbeefU;
  std::uint32_t h2 = 0x41c6ce57U;
  for (unsigned char b : text) {
    h1 = (h1 ^ b) * 2654435761U;
    h2 = (h2 ^ b) * 1597334677U;
  }
  h1 = ((h1 ^ (h1 >> 16)) * 2246822507U) ^ ((h2 ^ (h2 >> 13)) * 3266489909U);
  h2 = ((h2 ^ (h2 >> 16)) * 2246822507U) ^ ((h1 ^ (h1 >> 13)) * 3266489909U);
  return (std::uint64_t(h2 & 0x1FFFFFU) << 32) | h1;
}
}  // namespace

std::string detached_id(std::string_view origin, std::string_view seq_id) {
  char hex[32];
  std::snprintf(hex, sizeof hex, "%014llx", static_cast<unsigned long long>(cyrb53(seq_id)));
  std::string id(origin);
  id += ":d";
  id += hex;
  return id;
}

bool valid_root_id(std::string_view id) {
  return !id.empty() && id.find(':') == std::string_view::npos && id.find('\0') == std::string_view::npos;
}

}  // namespace resonate::sdk
