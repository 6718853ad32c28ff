#include "sdk/pid.hpp"

#include <cstdio>
#include <random>

namespace resonate::sdk {

std::string random_pid() {
  std::random_device device;
  std::mt19937_64 random(device());
  char buffer[33];
  std::snprintf(buffer, sizeof buffer, "%016llx%016llx", static_cast<unsigned long long>(random()),
                static_cast<unsigned long long>(random()));
  return buffer;
}

}  // namespace resonate::sdk
