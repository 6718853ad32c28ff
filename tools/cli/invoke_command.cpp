// resonate invoke: start a registered function on a worker group, as the SDKs' rpc does.
//
// The promise is created with the tags and param an rpc writes (resonate-protocol.md §5.3,
// §5.4): origin = branch = parent = id, scope global, target the worker address, and param
// {"func", "args", "version"}. The server then dispatches an `execute` to the target, and any
// C++ or TypeScript worker that registered `func` runs it.
#include <cstdio>

#include "commands.hpp"
#include "sdk/ids.hpp"
#include "values.hpp"
#include "wire/address.hpp"
#include "wire/clock.hpp"
#include "wire/records.hpp"

namespace resonate::cli {

namespace json = boost::json;

namespace {
constexpr auto default_invoke_timeout = std::chrono::hours(24);  // the SDKs' default
constexpr std::string_view default_target = "poll://any@default";

// A call to a group that no worker serves waits in silence; the server knows its groups.
void warn_if_unattended(Client& client, const std::string& target, bool target_given, const json::object& promise) {
  const auto* state = promise.if_contains("state");
  if (!state || !state->is_string() || state->get_string() != "pending") return;
  const auto address = wire::parse_address(target);
  if (!address || address->kind != wire::Address::Kind::poll) return;
  const auto workers = client.connected_workers(address->poll.group);
  if (!workers || *workers > 0) return;
  std::fprintf(stderr,
               "warning: no worker of group '%s' is connected to the server; the call waits until one "
               "connects%s\n",
               address->poll.group.c_str(), target_given ? "" : " (no --target given: the default group is used)");
}

}  // namespace

int invoke_command(const CommandInput& input, Client& client) {
  const auto& arguments = input.arguments;
  const auto& id = input.operands[0];
  if (!sdk::valid_root_id(id)) throw UsageError("the id of an invocation must be non-empty and contain no ':'");
  const auto func = arguments.value("--func");
  if (!func || func->empty()) throw UsageError("invoke needs --func NAME");
  const auto target = target_address(arguments.value("--target").value_or(std::string(default_target)));
  const auto param = invocation_value(*func, args_flag(arguments), version_flag(arguments));

  // The lineage tags of a root call, as the SDKs' rpc writes them; they win over --tag.
  auto tags = sdk::root_call_tags(tags_of(arguments.values("--tag")), id, target);
  const auto timeout_at =
      wire::deadline_after(wire::epoch_ms_now(), timeout_flag(arguments, default_invoke_timeout));
  const wire::PromiseCreate request{id, timeout_at, param, std::move(tags)};
  auto answer = client.call_ok(request, promise_subject(id));
  auto promise = promise_in(answer);

  // Like the SDKs' rpc, an existing id is not an error: it names the same execution.
  const auto* stored = promise.if_contains("timeoutAt");
  if (!stored || !stored->is_int64() || stored->get_int64() != timeout_at) {
    std::fprintf(stderr, "note: %s already exists; showing it instead of invoking again\n",
                 promise_subject(id).c_str());
  }
  warn_if_unattended(client, target, arguments.has("--target"), promise);
  if (!arguments.has("--wait")) {
    print_json(present_promise(promise));
    return 0;
  }
  promise = wait_until_settled(client, id);
  print_json(present_promise(promise));
  const auto& state = promise.at("state");
  if (state.is_string() && state.get_string() == "resolved") return 0;
  std::fprintf(stderr, "error: %s ended %s\n", promise_subject(id).c_str(),
               state.is_string() ? std::string(state.get_string()).c_str() : "unsettled");
  return 1;
}

}  // namespace resonate::cli
