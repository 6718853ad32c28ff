#include "arguments.hpp"

#include <set>

namespace resonate::cli {

namespace {
const std::set<std::string, std::less<>>& value_flags() {
  static const std::set<std::string, std::less<>> flags{
      "--server", "--token", "--func",  "--arg",        "--target", "--timeout", "--version",
      "--id",     "--state", "--tag",   "--limit",      "--cursor", "--data",    "--cron",
      "--promise-id"};
  return flags;
}

const std::set<std::string, std::less<>>& switch_flags() {
  static const std::set<std::string, std::less<>> flags{"--help", "--wait", "--json"};
  return flags;
}
}  // namespace

bool flag_takes_value(const std::string& flag) { return value_flags().contains(flag); }

std::optional<std::string> Arguments::value(const std::string& flag) const {
  const auto found = flags.find(flag);
  if (found == flags.end()) return std::nullopt;
  if (found->second.size() > 1) throw UsageError(flag + " was given more than once");
  return found->second.front();
}

std::vector<std::string> Arguments::values(const std::string& flag) const {
  const auto found = flags.find(flag);
  return found == flags.end() ? std::vector<std::string>{} : found->second;
}

Arguments parse_arguments(const std::vector<std::string>& args) {
  Arguments out;
  bool only_words = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (only_words || arg == "-" || !arg.starts_with("-")) {
      out.words.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_words = true;
      continue;
    }
    std::string name = arg == "-h" ? "--help" : arg;
    std::optional<std::string> inline_value;
    if (const auto equals = name.find('='); equals != std::string::npos) {
      inline_value = name.substr(equals + 1);
      name.resize(equals);
    }
    if (switch_flags().contains(name)) {
      if (inline_value) throw UsageError(name + " takes no value");
      out.flags[name].emplace_back();
    } else if (value_flags().contains(name)) {
      if (!inline_value) {
        if (i + 1 >= args.size()) throw UsageError(name + " needs a value");
        inline_value = args[++i];
      }
      out.flags[name].push_back(std::move(*inline_value));
    } else {
      throw UsageError("unknown flag " + name);
    }
  }
  return out;
}

}  // namespace resonate::cli
