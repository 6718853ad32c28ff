// Delivery addresses (docs/resonate-protocol.md §1.5). The grammar is deliberately strict: an
// address is stored verbatim in `resonate:target` and routed later, so anything ambiguous is
// rejected up front (→ 400) rather than misrouted.
#include "wire/address.hpp"

namespace resonate::wire {
namespace {

// Whitespace and control characters never belong in an address; bytes ≥ 0x80 (UTF-8) are let
// through because groups and ids are taken as written.
bool has_blank_or_control(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return true;
  }
  return false;
}

// A group or worker id: non-empty and free of the characters that delimit URL parts.
bool is_name(std::string_view text) {
  return !text.empty() && text.find_first_of("/@?#") == std::string_view::npos;
}

std::optional<PollAddress> parse_poll(std::string_view rest) {
  const auto at = rest.find('@');
  if (at == std::string_view::npos) return std::nullopt;  // `poll://default`: no cast
  PollAddress poll;
  const auto cast = rest.substr(0, at);
  if (cast == "any") {
    poll.cast = PollAddress::Cast::any;
  } else if (cast == "uni") {
    poll.cast = PollAddress::Cast::uni;
  } else {
    return std::nullopt;
  }

  const auto target = rest.substr(at + 1);
  const auto slash = target.find('/');
  poll.group = std::string(target.substr(0, slash));
  if (!is_name(poll.group)) return std::nullopt;
  if (slash != std::string_view::npos) {
    // A present but empty id (`poll://any@g/`) is as malformed as a second path segment.
    poll.id = std::string(target.substr(slash + 1));
    if (!is_name(poll.id)) return std::nullopt;
  }
  if (poll.cast == PollAddress::Cast::uni && poll.id.empty()) return std::nullopt;
  return poll;
}

// `rest` is what follows `http://`: the authority must name a host, the remainder is opaque.
bool has_host(std::string_view rest) {
  auto authority = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);  // drop `user:password@`
  }
  if (authority.starts_with('[')) {  // IPv6 literal, `[::1]:8080`
    const auto close = authority.find(']');
    return close != std::string_view::npos && close > 1;
  }
  return !authority.empty() && authority.front() != ':';
}

}  // namespace

std::optional<Address> parse_address(std::string_view text) {
  if (has_blank_or_control(text)) return std::nullopt;

  Address address;
  address.url = std::string(text);
  if (text.starts_with("poll://")) {
    auto poll = parse_poll(text.substr(7));
    if (!poll) return std::nullopt;
    address.kind = Address::Kind::poll;
    address.poll = std::move(*poll);
    return address;
  }
  for (const std::string_view scheme : {"http://", "https://"}) {
    if (text.starts_with(scheme)) {
      if (!has_host(text.substr(scheme.size()))) return std::nullopt;
      address.kind = Address::Kind::http;
      return address;
    }
  }
  return std::nullopt;
}

}  // namespace resonate::wire
