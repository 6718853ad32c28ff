#include "wire/tags.hpp"

#include <stdexcept>

namespace resonate::wire {

const std::string& Tags::at(std::string_view key) const {
  const auto found = find(key);
  if (found == end()) throw std::out_of_range("no tag '" + std::string(key) + "'");
  return found->second;
}

std::size_t Tags::erase(std::string_view key) {
  const auto found = find(key);
  if (found == end()) return 0;
  pairs_.erase(found);
  return 1;
}

}  // namespace resonate::wire
