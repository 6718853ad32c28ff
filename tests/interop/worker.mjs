// A Resonate worker in group `workers`, built on the official TypeScript SDK, serving the
// functions of functions.mjs (compute, compute_something, hold).
//
//   node worker.mjs [server-url] [--pid=<pid>] [--ttl=<ms>] [--hold=<ms>] [--functions=<names>] [--verbose]
//
// The server URL comes from the argument or RESONATE_URL; `--ttl` is the task lease, `--hold`
// how long `hold` keeps its lease on this worker, `--functions` the comma-separated functions
// it registers (default compute,hold: a worker that also serves compute_something takes the
// load-balancing calls meant for the C++ workers of a group). Progress lines on stdout: `worker pid=…`
// once configured, `connected` when the SSE stream is open, then those of functions.mjs and
// progress.mjs. The worker runs until it is killed.

import "./node-compat.mjs";
import { parseArgs } from "node:util";
import { Resonate } from "@resonatehq/sdk";
import { compute, compute_something, hold } from "./functions.mjs";
import { ProgressLogger, report } from "./progress.mjs";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    pid: { type: "string" },
    ttl: { type: "string", default: "60000" },
    hold: { type: "string", default: "0" },
    functions: { type: "string", default: "compute,hold" },
    verbose: { type: "boolean", default: false },
  },
});

const url = positionals[0] ?? process.env.RESONATE_URL;
if (!url) {
  process.stderr.write("worker: no server URL (argument or RESONATE_URL)\n");
  process.exit(2);
}

const resonate = new Resonate({
  url,
  group: "workers",
  pid: values.pid,
  ttl: Number(values.ttl),
  logger: new ProgressLogger({ verbose: values.verbose }),
});
const functions = { compute, compute_something, hold };
for (const name of values.functions.split(",")) {
  if (!functions[name]) {
    process.stderr.write(`worker: no function ${name} (${Object.keys(functions).join(", ")})\n`);
    process.exit(2);
  }
  resonate.register(name, functions[name]);
}
resonate.setDependency("holdMs", Number(values.hold));
resonate.setDependency("worker", resonate.pid);
report("worker", { pid: resonate.pid, group: "workers", ttl: Number(values.ttl) });

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    resonate.stop().finally(() => process.exit(0));
  });
}
