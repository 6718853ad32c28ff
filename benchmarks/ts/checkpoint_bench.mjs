// The checkpoint workload of benchmarks/checkpoint_bench.cpp on the official TypeScript SDK
// (@resonatehq/sdk 0.11.5, local mode: no URL, in-memory network and store).
//
//   node --expose-gc benchmarks/ts/checkpoint_bench.mjs [--ks=1,10,100,1000,10000]
//        [--min-time=0.5] [--repetitions=3]
//
// A durable function runs K sequential ctx.run steps, then awaits an external promise
// (ctx.promise). The first pass runs the steps and suspends; resolving the promise makes the
// SDK execute the function again from the top, replaying the K steps from their checkpoints.
// The function times its K-step section on each pass (process.hrtime), like the C++ side.
// Prints one JSON document on stdout: the baseline (await of an already resolved promise),
// and per K the medians of ns per first-pass step, ns per replayed checkpoint and heap bytes
// per suspended execution.
//
// The SDK is the one scripts/install-interop-deps.sh installs in tests/interop/node_modules.

import { parseArgs } from "node:util";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const interop = path.resolve(here, "../../tests/interop");
await import(pathToFileURL(path.join(interop, "node-compat.mjs")).href);
const { Resonate } = await import(
  pathToFileURL(path.join(interop, "node_modules/@resonatehq/sdk/dist/src/index.js")).href
);

const { values } = parseArgs({
  options: {
    ks: { type: "string", default: "1,10,100,1000,10000" },
    "min-time": { type: "string", default: "0.5" },
    repetitions: { type: "string", default: "3" },
  },
});
const ks = values.ks.split(",").map(Number);
const minTimeNs = Number(values["min-time"]) * 1e9;
const repetitions = Number(values.repetitions);

delete process.env.RESONATE_URL;
const resonate = new Resonate({ logLevel: "error" });

// What the function observed on its passes, for the current execution.
let probe;
function freshProbe() {
  let markWaiting;
  const waiting = new Promise((resolve) => (markWaiting = resolve));
  return { passes: 0, firstNs: 0, replayNs: 0, firstCpuNs: 0, replayCpuNs: 0, promiseId: undefined, waiting, markWaiting };
}

function identity(_ctx, x) {
  return x;
}

function* steps(ctx, k) {
  const pass = ++probe.passes;
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  let sum = 0;
  for (let i = 0; i < k; i++) sum += yield* ctx.run(identity, i);
  const took = Number(process.hrtime.bigint() - started);
  const cpu = process.cpuUsage(cpuStarted);
  const cpuTook = (cpu.user + cpu.system) * 1000; // µs → ns, whole process (GC threads too)
  if (pass === 1) [probe.firstNs, probe.firstCpuNs] = [took, cpuTook];
  else [probe.replayNs, probe.replayCpuNs] = [took, cpuTook];
  const external = yield* ctx.promise();
  if (pass === 1) {
    probe.promiseId = external.id;
    probe.markWaiting();
  }
  const last = yield* external;
  return sum + last;
}
resonate.register("steps", steps);

const one = Buffer.from(JSON.stringify(1)).toString("base64");
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
let serial = 0;

// One execution through its first pass and its replay.
async function runOnce(k) {
  probe = freshProbe();
  const handle = await resonate.beginRun(`ts-bench-${k}-${serial++}`, "steps", k);
  await probe.waiting;
  await nextTurn(); // let the first pass finish suspending
  await resonate.promises.resolve(probe.promiseId, { data: one });
  await handle.result();
  if (probe.passes !== 2) throw new Error(`expected 2 passes, saw ${probe.passes}`);
  return probe;
}

function median(xs) {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// Averages over enough executions to fill the minimum time; one value per repetition.
async function measureSteps(k) {
  const first = [];
  const replay = [];
  const firstCpu = [];
  const replayCpu = [];
  await runOnce(k); // warm-up (JIT)
  for (let r = 0; r < repetitions; r++) {
    let n = 0;
    let firstTotal = 0;
    let replayTotal = 0;
    let firstCpuTotal = 0;
    let replayCpuTotal = 0;
    const started = process.hrtime.bigint();
    while (n < 1 || Number(process.hrtime.bigint() - started) < minTimeNs) {
      const { firstNs, replayNs, firstCpuNs, replayCpuNs } = await runOnce(k);
      firstTotal += firstNs;
      replayTotal += replayNs;
      firstCpuTotal += firstCpuNs;
      replayCpuTotal += replayCpuNs;
      n++;
    }
    first.push(firstTotal / n / k);
    replay.push(replayTotal / n / k);
    firstCpu.push(firstCpuTotal / n / k);
    replayCpu.push(replayCpuTotal / n / k);
  }
  return {
    first_ns_per_step: median(first),
    replay_ns_per_checkpoint: median(replay),
    first_cpu_ns_per_step: median(firstCpu),
    replay_cpu_ns_per_checkpoint: median(replayCpu),
  };
}

async function heapSettled() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await nextTurn();
  }
  return process.memoryUsage().heapUsed;
}

// Heap growth per execution left suspended on its external promise.
async function measureMemory(k) {
  const count = Math.max(2, Math.floor(2000 / k));
  const before = await heapSettled();
  for (let n = 0; n < count; n++) {
    probe = freshProbe();
    await resonate.beginRun(`ts-idle-${k}-${serial++}`, "steps", k);
    await probe.waiting;
  }
  await nextTurn();
  const after = await heapSettled();
  return { bytes_per_execution: (after - before) / count, gc_exposed: typeof globalThis.gc === "function" };
}

async function baseline() {
  const ready = async (x) => x;
  const runs = [];
  const cpuRuns = [];
  for (let r = 0; r < repetitions; r++) {
    const n = 2_000_000;
    let x = 0;
    const started = process.hrtime.bigint();
    const cpuStarted = process.cpuUsage();
    for (let i = 0; i < n; i++) x = await ready(x + 1);
    runs.push(Number(process.hrtime.bigint() - started) / n);
    const cpu = process.cpuUsage(cpuStarted);
    cpuRuns.push(((cpu.user + cpu.system) * 1000) / n);
  }
  return { wall: median(runs), cpu: median(cpuRuns) };
}

const result = {
  sdk: "@resonatehq/sdk 0.11.5 (local mode)",
  node: process.version,
  baseline_await_ns: undefined,
  baseline_await_cpu_ns: undefined,
  checkpoints: {},
};
{
  const { wall, cpu } = await baseline();
  result.baseline_await_ns = wall;
  result.baseline_await_cpu_ns = cpu;
}
for (const k of ks) {
  result.checkpoints[k] = { ...(await measureSteps(k)), ...(await measureMemory(k)) };
  process.stderr.write(`ts k=${k} ${JSON.stringify(result.checkpoints[k])}\n`);
}
await resonate.stop();
process.stdout.write(JSON.stringify(result, null, 2) + "\n");
process.exit(0);
