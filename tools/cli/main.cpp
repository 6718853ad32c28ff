// resonate: the command-line client of a Resonate server (docs/cli.md).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "arguments.hpp"
#include "client.hpp"
#include "commands.hpp"
#include "help.hpp"

using namespace resonate::cli;

namespace {

constexpr int exit_usage = 2;

std::string from_environment(const char* name, std::string fallback = {}) {
  const char* value = std::getenv(name);
  return value && *value ? std::string(value) : fallback;
}

bool is_group(std::string_view word) {
  for (const auto& command : commands()) {
    if (command.path.starts_with(std::string(word) + " ")) return true;
  }
  return false;
}

// The command named by the first one or two words, and how many words its name took.
std::pair<const Command*, std::size_t> find_command(const std::vector<std::string>& words) {
  for (const auto& command : commands()) {
    if (words.size() >= 2 && command.path == words[0] + " " + words[1]) return {&command, 2};
    if (!words.empty() && command.path == words[0]) return {&command, 1};
  }
  return {nullptr, 0};
}

void print_to(std::FILE* stream, const std::string& text) { std::fputs(text.c_str(), stream); }

int usage_error(const std::string& message, const Command* command) {
  print_to(stderr, "error: " + message + "\n");
  if (command) {
    print_to(stderr, usage_line(*command) + "\nRun 'resonate " + std::string(command->path) + " --help' for details.\n");
  } else {
    print_to(stderr, "Run 'resonate --help' for the commands.\n");
  }
  return exit_usage;
}

int run(const std::vector<std::string>& args) {
  Arguments arguments;
  try {
    arguments = parse_arguments(args);
  } catch (const UsageError& e) {
    return usage_error(e.what(), nullptr);
  }
  auto words = arguments.words;
  bool help = arguments.has("--help");
  if (!words.empty() && words[0] == "help") {
    words.erase(words.begin());
    help = true;
  }
  if (words.empty()) {
    if (help) {
      print_to(stdout, overview_help());
      return 0;
    }
    print_to(stderr, overview_help());
    return exit_usage;
  }

  const auto [command, name_words] = find_command(words);
  if (!command) {
    if (is_group(words[0])) {
      if (help) {
        print_to(stdout, group_help(words[0]));
        return 0;
      }
      const std::string message = words.size() < 2 ? "'" + words[0] + "' needs a command"
                                                   : "unknown command '" + words[0] + " " + words[1] + "'";
      print_to(stderr, "error: " + message + "\n" + group_help(words[0]));
      return exit_usage;
    }
    return usage_error("unknown command '" + words[0] + "'", nullptr);
  }
  if (help) {
    print_to(stdout, command_help(*command));
    return 0;
  }

  for (const auto& [flag, values] : arguments.flags) {
    if (flag == "--server" || flag == "--token") continue;
    bool accepted = false;
    for (const auto& allowed : command->flags) accepted = accepted || allowed == flag;
    if (!accepted) return usage_error(flag + " does not apply to 'resonate " + std::string(command->path) + "'", command);
  }
  std::vector<std::string> operands(words.begin() + static_cast<std::ptrdiff_t>(name_words), words.end());
  if (operands.size() != command->operand_count) {
    const std::string message = operands.size() < command->operand_count
                                    ? "missing " + std::string(command->operands)
                                    : "unexpected argument '" + operands[command->operand_count] + "'";
    return usage_error(message, command);
  }

  try {
    ClientConfig config;
    config.server = arguments.value("--server").value_or(from_environment("RESONATE_URL", "http://127.0.0.1:8001"));
    config.token = arguments.value("--token").value_or(from_environment("RESONATE_TOKEN"));
    Client client(std::move(config));
    return command->run(CommandInput{arguments, std::move(operands)}, client);
  } catch (const UsageError& e) {
    return usage_error(e.what(), command);
  } catch (const CommandError& e) {
    print_to(stderr, std::string("error: ") + e.what() + "\n");
    return e.exit_code();
  } catch (const std::exception& e) {
    print_to(stderr, std::string("error: ") + e.what() + "\n");
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return run(args);
}
