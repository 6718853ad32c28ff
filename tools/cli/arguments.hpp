// The command line split into words and flags.
//
// Every flag of every command is known here, so one pass can tell a flag's value from a
// positional word wherever the flag appears (global flags may come before or after the
// command). Which flags a command accepts is checked afterwards, against its Command entry.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace resonate::cli {

// A command line the CLI cannot act on: reported with the command's usage, exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Arguments {
  std::vector<std::string> words;  // positionals in order: command, subcommand, ids ...
  // Flag name (with its dashes, "--tag") -> its values in order; switches get one "" per use.
  std::map<std::string, std::vector<std::string>> flags;

  bool has(const std::string& flag) const { return flags.contains(flag); }
  // The flag's value; UsageError when it was given more than once.
  std::optional<std::string> value(const std::string& flag) const;
  std::vector<std::string> values(const std::string& flag) const;
};

// Splits `args` (argv without the program name). "--flag value" and "--flag=value" are both
// accepted, "-h" means "--help", and "--" makes every later word positional.
// Throws UsageError for an unknown flag or a missing value.
Arguments parse_arguments(const std::vector<std::string>& args);

// Whether `flag` takes a value (false for switches such as --help and --wait).
bool flag_takes_value(const std::string& flag);

}  // namespace resonate::cli
