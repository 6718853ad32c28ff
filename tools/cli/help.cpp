#include "help.hpp"

namespace resonate::cli {

namespace {
constexpr std::string_view global_flags = R"(global flags (before or after the command):
  --server URL   the server (default $RESONATE_URL, else http://127.0.0.1:8001)
  --token TOKEN  bearer token for a server with authentication on (default $RESONATE_TOKEN)
  -h, --help     help; `resonate <command> --help` for one command
)";

std::string listing(std::string_view group) {
  std::string out;
  for (const auto& command : commands()) {
    if (!group.empty() && !command.path.starts_with(std::string(group) + " ")) continue;
    std::string left = std::string(command.path);
    if (!command.operands.empty()) left += " " + std::string(command.operands);
    if (left.size() < 26) left.resize(26, ' ');
    out += "  " + left + " " + std::string(command.summary) + "\n";
  }
  return out;
}
}  // namespace

std::string usage_line(const Command& command) {
  std::string line = "usage: resonate " + std::string(command.path);
  if (!command.operands.empty()) line += " " + std::string(command.operands);
  if (!command.flags.empty()) line += " [flags]";
  return line;
}

std::string overview_help() {
  return "resonate: command-line client of a Resonate server (promises, tasks, schedules, invocations)\n\n"
         "usage: resonate [--server URL] [--token TOKEN] <command> [arguments]\n\n"
         "commands:\n" +
         listing("") + "\n" + std::string(global_flags) +
         "\nOutput is JSON on stdout; payloads are shown decoded (\"data\" is the JSON the SDKs\n"
         "stored base64-encoded). Errors go to stderr with exit code 1, usage errors exit 2.\n";
}

std::string command_help(const Command& command) {
  return usage_line(command) + "\n\n" + std::string(command.summary) + "\n\n" + std::string(command.details) + "\n\n" +
         std::string(global_flags);
}

std::string group_help(std::string_view group) {
  return "usage: resonate " + std::string(group) + " <command> [arguments]\n\ncommands:\n" + listing(group) + "\n" +
         std::string(global_flags);
}

}  // namespace resonate::cli
