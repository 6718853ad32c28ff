// The help texts: the overview (`resonate --help`) and one page per command or group.
#pragma once

#include <string>
#include <string_view>

#include "commands.hpp"

namespace resonate::cli {

std::string overview_help();
// "usage: resonate promises get <id> [flags]" and the command's details.
std::string command_help(const Command& command);
// The commands of a group ("promises"), for `resonate promises --help`.
std::string group_help(std::string_view group);
std::string usage_line(const Command& command);

}  // namespace resonate::cli
