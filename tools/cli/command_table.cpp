// The table of commands: usage text, accepted flags and handler of each.
#include "commands.hpp"

namespace resonate::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> table{
      {"invoke", "<id>", 1,
       {"--func", "--arg", "--target", "--timeout", "--version", "--tag", "--wait"},
       "start a registered function on a worker group (like an SDK rpc)",
       R"(flags:
  --func NAME        the registered function to run (required)
  --arg JSON         one argument, as JSON; repeat for more (--arg 21 --arg '"text"')
  --target ADDRESS   the workers: poll://any@GROUP, or just GROUP (default poll://any@default)
  --timeout DURATION how long the invocation may take, e.g. 30s, 5m, 1h, 2d (default 24h)
  --version N        the function's registered version (default 1)
  --tag KEY=VALUE    an extra tag on the promise; repeatable
  --wait             wait until the promise settles and print it (exit 1 unless resolved)

An id that already exists names the same invocation: it is shown, not invoked again.

examples:
  resonate invoke order-42 --func process_order --arg '{"sku":"A1"}' --target workers
  resonate invoke double-1 --func double_it --arg 21 --target poll://any@workers --wait)",
       invoke_command},
      {"promises get", "<id>", 1, {"--wait"}, "show a promise",
       R"(flags:
  --wait   wait until the promise is no longer pending

example:
  resonate promises get approval-1)",
       promises_get},
      {"promises list", "", 0, {"--id", "--state", "--tag", "--limit", "--cursor"}, "search promises",
       R"(flags:
  --id PATTERN       only ids matching PATTERN ('*' any characters, '?' one character)
  --state STATE      pending, resolved, rejected, rejected_canceled or rejected_timedout
  --tag KEY=VALUE    only promises with this tag; repeatable
  --limit N          at most N promises (default 100); "cursor" in the output continues
  --cursor ID        start after this id (a previous output's "cursor")

examples:
  resonate promises list --state pending
  resonate promises list --id 'order-*' --tag resonate:target=poll://any@workers)",
       promises_list},
      {"promises create", "<id>", 1, {"--timeout", "--data", "--tag"}, "create a pending promise",
       R"(flags:
  --timeout DURATION when the promise times out, e.g. 30s, 5m, 1h, 2d (default 24h)
  --data JSON        its param (stored base64-encoded, as the SDKs do)
  --tag KEY=VALUE    a tag; repeatable

An id that already exists is a conflict (exit 1).

example:
  resonate promises create approval-1 --timeout 1h --data '{"amount":100}')",
       promises_create},
      {"promises resolve", "<id>", 1, {"--data"}, "resolve a pending promise",
       R"(flags:
  --data JSON   the value (a C++ ctx.promise<std::string>() awaiting it gets "yes" from '"yes"')

Settling a promise that is already settled differently is a conflict (exit 1).

example:
  resonate promises resolve approval-1 --data '"yes"')",
       promises_resolve},
      {"promises reject", "<id>", 1, {"--data"}, "reject a pending promise",
       R"(flags:
  --data JSON   the rejection value (default: an error "rejected with the resonate CLI",
                which an awaiting function throws as resonate::ExecutionError)

example:
  resonate promises reject approval-1 --data '{"__type":"error","name":"Error","message":"denied"}')",
       promises_reject},
      {"promises cancel", "<id>", 1, {}, "cancel a pending promise (rejected_canceled)",
       R"(example:
  resonate promises cancel approval-1)",
       promises_cancel},
      {"tree", "<id>", 1, {"--json", "--limit"}, "show the call tree of an execution: its steps, sleeps and calls",
       R"(Every durable call under the promise, nested by caller, with its kind (run, rpc,
detached, sleep, promise), function or step name, state, and how long it took or when
it times out (a sleep: when it wakes). A pending leaf is what the execution waits for.

flags:
  --json      the tree as JSON: {"id", "kind", "name", "state", "createdAt", "settledAt",
              "timeoutAt", "children": [...]}
  --limit N   read at most N promises of the execution (default 10000)

example:
  resonate tree order-42
    order-42  invoke process_order  pending  times out in 23 h 59 min (11:02:03.004 UTC)
    ├─ order-42:0  run charge  resolved  took 12 ms
    └─ order-42:1  sleep  pending  wakes in 59 min 58 s (10:02:03.004 UTC))",
       tree_command},
      {"tasks get", "<id>", 1, {}, "show a task (the execution of a promise with a target)",
       R"(example:
  resonate tasks get order-42)",
       tasks_get},
      {"tasks list", "", 0, {"--state", "--limit", "--cursor"}, "search tasks",
       R"(flags:
  --state STATE   pending, acquired, suspended, halted or fulfilled
  --limit N       at most N tasks (1-1000, default 100)
  --cursor ID     start after this id

example:
  resonate tasks list --state acquired)",
       tasks_list},
      {"tasks halt", "<id>", 1, {}, "halt a task: no worker is given it until it is continued",
       R"(example:
  resonate tasks halt order-42)",
       tasks_halt},
      {"tasks continue", "<id>", 1, {}, "continue a halted task: it is pending and offered to its workers again",
       R"(Workers halt an execution whose replay diverged from its recorded calls
(NonDeterminismError); continue it once code that can replay it is deployed.

example:
  resonate tasks continue order-42)",
       tasks_continue},
      {"schedules create", "<id>", 1,
       {"--cron", "--func", "--arg", "--target", "--timeout", "--version", "--tag", "--promise-id"},
       "invoke a function on a cron schedule",
       R"(flags:
  --cron EXPR         5 fields (min hour dom month dow) or 6-7 with seconds, in UTC (required)
  --func NAME         the registered function each run invokes (required)
  --arg JSON          one argument, as JSON; repeatable
  --target ADDRESS    the workers (default poll://any@default)
  --timeout DURATION  timeout of each run's promise (default 24h)
  --version N         the function's version (default 1)
  --tag KEY=VALUE     a tag on each run's promise; repeatable
  --promise-id TEMPLATE  id of each run's promise; {{.id}} and {{.timestamp}} are
                      replaced (default {{.id}}-{{.timestamp}})

example:
  resonate schedules create nightly --cron '0 3 * * *' --func cleanup --target workers)",
       schedules_create},
      {"schedules get", "<id>", 1, {}, "show a schedule",
       R"(example:
  resonate schedules get nightly)",
       schedules_get},
      {"schedules delete", "<id>", 1, {}, "delete a schedule (promises it created stay)",
       R"(example:
  resonate schedules delete nightly)",
       schedules_delete},
      {"schedules list", "", 0, {"--tag", "--limit", "--cursor"}, "search schedules",
       R"(flags:
  --tag KEY=VALUE   only schedules whose promises get this tag; repeatable
  --limit N         at most N schedules (1-1000, default 10)
  --cursor ID       start after this id

example:
  resonate schedules list)",
       schedules_list},
  };
  return table;
}

}  // namespace resonate::cli
