// Starts a function by RPC on any member of group `workers` and prints its result as JSON.
//
//   node client.mjs [server-url] --id=<promise id> --func=<name> [--args=<JSON array>] [--verbose]
//
// The server URL comes from the argument or RESONATE_URL. Progress lines on stdout:
// `invoked id=… at=<ms>` once the root promise exists, then `result id=… at=<ms> value=<JSON>`
// when it resolves, or `error id=… at=<ms> error=<JSON>`. Exit status 0 on a resolved promise,
// 1 otherwise.

import "./node-compat.mjs";
import { parseArgs } from "node:util";
import { Resonate } from "@resonatehq/sdk";
import { ProgressLogger, report } from "./progress.mjs";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    id: { type: "string" },
    func: { type: "string" },
    args: { type: "string", default: "[]" },
    verbose: { type: "boolean", default: false },
  },
});

const url = positionals[0] ?? process.env.RESONATE_URL;
if (!url || !values.id || !values.func) {
  process.stderr.write("client: need a server URL (argument or RESONATE_URL), --id and --func\n");
  process.exit(2);
}

// A group of its own: the SDK's durable timers target `poll://any@default`, and a client in
// that group would be handed their tasks.
const resonate = new Resonate({
  url,
  group: "clients",
  logger: new ProgressLogger({ verbose: values.verbose }),
});

let status = 0;
try {
  const handle = await resonate.beginRpc(
    values.id,
    values.func,
    ...JSON.parse(values.args),
    resonate.options({ target: "workers" }),
  );
  report("invoked", { id: handle.id, at: Date.now() });
  const value = await handle.result();
  report("result", { id: handle.id, at: Date.now(), value });
} catch (error) {
  report("error", { id: values.id, at: Date.now(), error: error instanceof Error ? error.message : error });
  status = 1;
}
await resonate.stop();
process.exit(status);
