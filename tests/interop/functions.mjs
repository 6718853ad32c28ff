// The durable functions the interop worker serves, and the progress lines they print.
//
// compute(ctx, numbers, sleepMs) checkpoints its start time and the sum of `numbers` with
// ctx.run, sleeps durably for `sleepMs`, checkpoints its wake time, and returns
// { sum, product, startedAt, wokeAt }. The test checks the arithmetic (the value really came
// from the arguments) and the two timestamps (the sleep lasted as long as asked, not longer,
// even when the worker that began it was killed).
//
// compute_something(ctx, id, cost) is the load-balancing function of examples/load_balancing
// (and tests/interop/python/worker.py): it claims the call for this worker and checkpoints its
// start time, sleeps durably for `cost` seconds, and returns { id, cost, started_by,
// finished_by, started_at, finished_at }. Its durable calls are those of the C++ example at the
// same positions (id:0 claim, id:1 start time, id:2 sleep), so C++ and TS workers replay each
// other's executions of it; Python's line up from id:1 (docs/interop.md).
//
// hold(ctx) checkpoints its start time, then runs one step that keeps the task's lease for as
// long as the worker's `holdMs` dependency says (a worker that must be killed while holding a
// lease is started with a long hold), and returns { startedAt, worker } naming the worker that
// finished it.

import { setTimeout as delay } from "node:timers/promises";
import { report } from "./progress.mjs";

function now() {
  return Date.now();
}

function sumOf(_ctx, numbers) {
  return numbers.reduce((total, n) => total + n, 0);
}

function productOf(_ctx, numbers) {
  return numbers.reduce((total, n) => total * n, 1);
}

export function* compute(ctx, numbers, sleepMs) {
  // Checkpointed, so a replay on another worker sees the first attempt's start time.
  const startedAt = yield* ctx.run(now);
  report("started", { id: ctx.id, at: startedAt });

  const sum = yield* ctx.run(sumOf, numbers);
  report("sleeping", { id: ctx.id, ms: sleepMs });
  yield* ctx.sleep(sleepMs);

  const wokeAt = yield* ctx.run(now);
  report("slept", { id: ctx.id, at: wokeAt });

  const product = yield* ctx.run(productOf, numbers);
  return { sum, product, startedAt, wokeAt };
}

async function holdLease(ctx, rootId) {
  const ms = ctx.getDependency("holdMs") ?? 0;
  report("holding", { id: rootId, at: Date.now(), ms });
  await delay(ms);
  return ctx.getDependency("worker");
}

export function* hold(ctx) {
  const startedAt = yield* ctx.run(now);
  report("started", { id: ctx.id, at: startedAt });
  const worker = yield* ctx.run(holdLease, ctx.id);
  return { startedAt, worker };
}

function claim(ctx) {
  return ctx.getDependency("worker");
}

export function* compute_something(ctx, id, cost) {
  let firstPass = false;
  const startedBy = yield* ctx.run(claim);
  const startedAt = yield* ctx.run(() => {
    firstPass = true;
    return Date.now();
  });
  const worker = ctx.getDependency("worker");
  report(firstPass ? "start" : "resume", { id, worker, at: startedAt, by: startedBy });
  yield* ctx.sleep(cost * 1000);
  const finishedAt = Date.now();
  report("done", { id, worker, at: finishedAt });
  return { id, cost, started_by: startedBy, finished_by: worker, started_at: startedAt, finished_at: finishedAt };
}
