// The commands of `resonate`: one table entry per command (its usage, flags and handler) and
// the helpers their handlers share.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "arguments.hpp"
#include "client.hpp"

namespace resonate::cli {

// What a handler gets: the parsed command line and the words after the command's name
// (already checked to be exactly as many as the command's operands).
struct CommandInput {
  const Arguments& arguments;
  std::vector<std::string> operands;
};

using Handler = int (*)(const CommandInput& input, Client& client);

struct Command {
  std::string_view path;       // "promises get", "invoke"
  std::string_view operands;   // "<id>", or empty
  std::size_t operand_count;
  std::vector<std::string> flags;  // accepted besides the global ones
  std::string_view summary;        // one line for the overview
  std::string_view details;        // flags and examples for `resonate <command> --help`
  Handler run;
};

const std::vector<Command>& commands();

// Handlers (one file per command group).
int invoke_command(const CommandInput& input, Client& client);
int promises_get(const CommandInput& input, Client& client);
int promises_list(const CommandInput& input, Client& client);
int promises_create(const CommandInput& input, Client& client);
int promises_resolve(const CommandInput& input, Client& client);
int promises_reject(const CommandInput& input, Client& client);
int promises_cancel(const CommandInput& input, Client& client);
int tasks_get(const CommandInput& input, Client& client);
int tasks_list(const CommandInput& input, Client& client);
int tasks_halt(const CommandInput& input, Client& client);
int tasks_continue(const CommandInput& input, Client& client);
int schedules_create(const CommandInput& input, Client& client);
int schedules_get(const CommandInput& input, Client& client);
int schedules_delete(const CommandInput& input, Client& client);
int schedules_list(const CommandInput& input, Client& client);
int tree_command(const CommandInput& input, Client& client);

// --- shared by the handlers ---------------------------------------------------------------

void print_json(const boost::json::value& value);

// --timeout as milliseconds, `fallback` when absent; UsageError when malformed.
std::int64_t timeout_flag(const Arguments& arguments, std::chrono::milliseconds fallback);
// --limit: 1 ... `max`, `fallback` when absent.
std::int64_t limit_flag(const Arguments& arguments, std::int64_t fallback, std::int64_t max);
// --version: an integer >= 1, 1 when absent.
int version_flag(const Arguments& arguments);
// The --arg values as a JSON array.
boost::json::array args_flag(const Arguments& arguments);

// "promise 'id'", for messages.
std::string promise_subject(std::string_view id);

// The promise record in a promise.get/create/settle answer.
const boost::json::object& promise_in(const boost::json::object& answer);
// Reads the promise until it is no longer pending and returns it (polling promise.get: the
// server times the promise out by itself, so this ends at its timeoutAt at the latest).
boost::json::object wait_until_settled(Client& client, const std::string& id);

}  // namespace resonate::cli
