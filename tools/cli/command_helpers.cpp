// Helpers shared by the command handlers (declared in commands.hpp).
#include <charconv>
#include <cstdio>
#include <thread>

#include "commands.hpp"
#include "duration.hpp"
#include "pretty_json.hpp"
#include "values.hpp"

namespace resonate::cli {

namespace json = boost::json;

void print_json(const json::value& value) {
  const auto text = pretty_json(value);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

std::int64_t timeout_flag(const Arguments& arguments, std::chrono::milliseconds fallback) {
  const auto text = arguments.value("--timeout");
  if (!text) return fallback.count();
  const auto duration = parse_duration(*text);
  if (!duration) throw UsageError("--timeout must be a duration such as 30s, 5m, 1h or 2d: " + *text);
  return duration->count();
}

namespace {
std::optional<std::int64_t> integer(std::string_view text) {
  std::int64_t out = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return out;
}
}  // namespace

std::int64_t limit_flag(const Arguments& arguments, std::int64_t fallback, std::int64_t max) {
  const auto text = arguments.value("--limit");
  if (!text) return fallback;
  const auto limit = integer(*text);
  if (!limit || *limit < 1 || *limit > max) {
    throw UsageError("--limit must be an integer from 1 to " + std::to_string(max) + ": " + *text);
  }
  return *limit;
}

int version_flag(const Arguments& arguments) {
  const auto text = arguments.value("--version");
  if (!text) return 1;
  const auto version = integer(*text);
  if (!version || *version < 1 || *version > 1000000) throw UsageError("--version must be an integer >= 1: " + *text);
  return static_cast<int>(*version);
}

json::array args_flag(const Arguments& arguments) {
  json::array args;
  for (const auto& text : arguments.values("--arg")) args.push_back(parse_json_flag("--arg", text));
  return args;
}

std::string promise_subject(std::string_view id) { return "promise '" + std::string(id) + "'"; }

const json::object& promise_in(const json::object& answer) {
  const auto* promise = answer.if_contains("promise");
  if (!promise || !promise->is_object()) throw CommandError("the server's answer has no promise record");
  return promise->get_object();
}

json::object wait_until_settled(Client& client, const std::string& id) {
  auto interval = std::chrono::milliseconds(100);
  for (;;) {
    auto answer = client.call_ok(wire::PromiseGet{id}, promise_subject(id));
    auto promise = promise_in(answer);
    const auto* state = promise.if_contains("state");
    if (!state || !state->is_string() || state->get_string() != "pending") return promise;
    // Polling is enough for a command line; the SDKs wait for an unblock message instead.
    std::this_thread::sleep_for(interval);
    interval = std::min(interval * 2, std::chrono::milliseconds(2000));
  }
}

}  // namespace resonate::cli
