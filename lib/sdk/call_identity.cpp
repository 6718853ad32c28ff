#include "sdk/call_identity.hpp"

#include <cstdlib>
#include <memory>
#include <typeinfo>

#include <cxxabi.h>

#include "resonate/detail/engine.hpp"

namespace resonate::sdk {

std::string CallIdentity::text() const {
  if (name.empty()) return std::string(kind);
  std::string out;
  out.reserve(kind.size() + 1 + name.size());
  out.append(kind).append(" ").append(name);
  return out;
}

bool CallIdentity::is(std::string_view recorded) const {
  if (name.empty()) return recorded == kind;
  return recorded.size() == kind.size() + 1 + name.size() && recorded.starts_with(kind) &&
         recorded[kind.size()] == ' ' && recorded.ends_with(name);
}

std::optional<std::string_view> recorded_call(const wire::Promise& recorded) {
  const auto found = recorded.tags.find(call_tag);
  if (found == recorded.tags.end()) return std::nullopt;
  return std::string_view(found->second);
}

std::string nondeterminism_message(std::string_view root, std::string_view position_id, std::string_view recorded,
                                   std::string_view current) {
  return "replay of '" + std::string(root) + "' makes a different durable call at " + std::string(position_id) +
         ": the execution recorded '" + std::string(recorded) + "', the code now calls '" + std::string(current) +
         "' (the function changed in a way its running executions cannot follow: deploy code that makes the "
         "recorded calls, or register the new code as a new version of the function)";
}

}  // namespace resonate::sdk

namespace resonate::detail {

std::string signature_name(const std::type_info& type) {
  // Itanium mangling is the same for g++ and clang on Linux, and libstdc++ demangles it the
  // same way for both: workers built by either compiler describe a step alike.
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> readable(abi::__cxa_demangle(type.name(), nullptr, nullptr, &status),
                                                  std::free);
  std::string name = status == 0 && readable ? std::string(readable.get()) : std::string(type.name());
  // Shorter records and messages: the most common parameter type by the name users write.
  static constexpr std::string_view spelled_out = "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >";
  for (auto at = name.find(spelled_out); at != std::string::npos; at = name.find(spelled_out, at)) {
    name.replace(at, spelled_out.size(), "std::string");
  }
  return name;
}

}  // namespace resonate::detail
