// The process id a Resonate announces when its configuration names none.
#pragma once

#include <string>

namespace resonate::sdk {

// 32 random hex digits.
std::string random_pid();

}  // namespace resonate::sdk
