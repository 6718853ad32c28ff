#include "sdk/log.hpp"

#include <cstdio>
#include <string>

namespace resonate::sdk {

void warn(std::string_view message) {
  std::string line = "resonate: warning: ";
  line.append(message);
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace resonate::sdk
