#!/usr/bin/env python3
"""Turns the result files of scripts/bench.sh into the markdown tables of docs/benchmarks.md.

usage: summarize.py RESULTS_DIR > summary.md
Microbenchmark numbers are medians over the repetitions and are given as ratios to the
baseline measured in the same run (co_await of a ready asio awaitable; for the TS SDK, await
of an already resolved promise), in CPU time and in wall-clock time.
"""
import json
import re
import sys
from pathlib import Path

results = Path(sys.argv[1])


def load(name):
    path = results / name
    return json.loads(path.read_text()) if path.exists() and path.stat().st_size else None


def fmt(x, digits=0):
    if x is None:
        return "–"
    if digits == 0:
        return f"{x:,.0f}"
    return f"{x:,.{digits}f}"


out = []
machine = results / "machine.txt"
if machine.exists():
    out += ["```", machine.read_text().strip(), "```", ""]

micro = load("micro.json")
cpp = {}
base_cpu = base_wall = None
if micro:
    # Medians over the repetitions; a run with one repetition has no aggregates.
    medians = [b for b in micro["benchmarks"] if b.get("aggregate_name") == "median"]
    for b in medians or [b for b in micro["benchmarks"] if b.get("run_type") == "iteration"]:
        name = b["run_name"]
        if name == "BM_ReadyAwaitable":
            base_cpu, base_wall = b["cpu_time"], b["real_time"]
            continue
        m = re.match(r"BM_(\w+)/(\d+)", name)
        if not m:
            continue
        cpp.setdefault(int(m.group(2)), {})[m.group(1)] = b
    out.append(f"Baseline (co_await of a ready asio awaitable): {fmt(base_cpu, 1)} ns CPU, "
               f"{fmt(base_wall, 1)} ns wall.")
    out.append("")
    out.append("| K | first pass ns/step (CPU) | ×baseline | ns/step (wall) | replay ns/checkpoint (CPU) "
               "| ×baseline | ns/checkpoint (wall) | bytes/suspended execution | bytes/checkpoint |")
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for k in sorted(cpp):
        first = cpp[k].get("FirstExecution", {})
        replay = cpp[k].get("Replay", {})
        memory = cpp[k].get("SuspendedMemory", {})
        f_cpu, f_wall = first.get("cpu_ns_per_step"), first.get("ns_per_step")
        r_cpu, r_wall = replay.get("cpu_ns_per_checkpoint"), replay.get("ns_per_checkpoint")
        ratio = lambda x: fmt(x / base_cpu) if x is not None and base_cpu else "–"
        out.append(f"| {k} | {fmt(f_cpu)} | {ratio(f_cpu)} | {fmt(f_wall)} | {fmt(r_cpu)} | {ratio(r_cpu)} | "
                   f"{fmt(r_wall)} | {fmt(memory.get('bytes_per_execution'))} | {fmt(memory.get('bytes_per_checkpoint'))} |")
    out.append("")

ts = load("ts.json")
if ts:
    out.append(f"TypeScript SDK ({ts['sdk']}, Node {ts['node']}); baseline (await of a resolved promise): "
               f"{fmt(ts['baseline_await_cpu_ns'], 1)} ns CPU, {fmt(ts['baseline_await_ns'], 1)} ns wall.")
    out.append("")
    out.append("| K | TS first ns/step (CPU) | TS replay ns/checkpoint (CPU) | TS bytes/suspended execution "
               "| C++/TS first (CPU) | C++/TS replay (CPU) | C++/TS first (wall) | C++/TS replay (wall) | C++/TS memory |")
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for k_text, t in sorted(ts["checkpoints"].items(), key=lambda kv: int(kv[0])):
        k = int(k_text)
        c = cpp.get(k, {})
        first, replay, memory = c.get("FirstExecution", {}), c.get("Replay", {}), c.get("SuspendedMemory", {})

        def r(a, b):
            return fmt(a / b, 3) if a is not None and b else "–"

        out.append(f"| {k} | {fmt(t['first_cpu_ns_per_step'])} | {fmt(t['replay_cpu_ns_per_checkpoint'])} | "
                   f"{fmt(t['bytes_per_execution'])} | "
                   f"{r(first.get('cpu_ns_per_step'), t['first_cpu_ns_per_step'])} | "
                   f"{r(replay.get('cpu_ns_per_checkpoint'), t['replay_cpu_ns_per_checkpoint'])} | "
                   f"{r(first.get('ns_per_step'), t['first_ns_per_step'])} | "
                   f"{r(replay.get('ns_per_checkpoint'), t['replay_ns_per_checkpoint'])} | "
                   f"{r(memory.get('bytes_per_execution'), t['bytes_per_execution'])} |")
    out.append("")

for store in ("sqlite", "postgres"):
    e2e = load(f"e2e-{store}.json")
    if not e2e:
        continue
    out.append(f"End to end, {e2e['store']}:")
    out.append("")
    if "fdatasync_per_second" in e2e:
        out.append(f"Disk in the same run: {fmt(e2e['fdatasync_per_second'], 0)} fdatasync/s "
                   "(the limit of one commit per request).")
        out.append("")
    out.append("| workers | invocations/s | ÷ fdatasync/s | requests per commit | syncs per invocation |")
    out.append("|---:|---:|---:|---:|---:|")
    for t in e2e["throughput"]:
        out.append(f"| {t['workers']} | {fmt(t['invocations_per_second'], 1)} | "
                   f"{fmt(t.get('ratio_to_fdatasync_rate'), 2)} | {fmt(t.get('requests_per_commit'), 1)} | "
                   f"{fmt(t.get('syncs_per_invocation'), 2)} |")
    out.append("")
    if "sleep" in e2e:
        z = e2e["sleep"]
        out.append(f"Durable sleep wake-up ({z['samples']} sleeps of 200 ms): late by p50 {fmt(z['late_p50_ms'], 0)} ms, "
                   f"p99 {fmt(z.get('late_p99_ms'), 0)} ms, max {fmt(z['late_max_ms'], 0)} ms.")
        out.append("")
    if "latency" in e2e:
        l = e2e["latency"]
        out.append(f"Latency ({l['samples']} sequential samples, {l['workers']} worker): "
                   f"ctx.run step p50 {fmt(l['step_p50_ms'], 2)} ms, p99 {fmt(l['step_p99_ms'], 2)} ms; "
                   f"RPC round trip p50 {fmt(l['rpc_p50_ms'], 2)} ms, p99 {fmt(l['rpc_p99_ms'], 2)} ms.")
        out.append("")
    if "peer" in e2e:
        p = e2e["peer"]
        out.append(f"Peer, same client and worker, 1 worker: {p['server']}: {fmt(p['invocations_per_second'], 1)} "
                   f"invocations/s (ours ÷ peer {fmt(p.get('ours_to_peer'), 2)}), RPC p50 {fmt(p['rpc_p50_ms'], 2)} ms, "
                   f"step p50 {fmt(p['step_p50_ms'], 2)} ms.")
        out.append("")
    if "sleepers" in e2e:
        s = e2e["sleepers"]
        out.append(f"{s['sleepers']:,} executions suspended in durable sleeps (created at {fmt(s['created_per_second'], 0)}/s, "
                   f"all suspended {fmt(s['all_suspended_after_creation_s'], 1)} s after the last creation): server RSS "
                   f"{fmt(s['beside']['server_rss_mib'], 1)} MiB (peak {fmt(s['server_hwm_mib'], 1)}), workers "
                   + " / ".join(f"{fmt(w['rss_mib'], 1)} MiB" for w in s['workers'])
                   + f", database {fmt(s['database_mib'], 0)} MiB, /metrics scrape {fmt(s['metrics_scrape_ms'], 1)} ms, "
                   f"restart to listening {fmt(s['restart_listening_s'], 2)} s.")
        out.append("")
        out.append("| | sleep lateness p50 / p99 | RPC p50 | step p50 | server RSS |")
        out.append("|---|---:|---:|---:|---:|")
        for when, label in (("before", "before them"), ("beside", "beside them"), ("after_restart", "after a SIGKILL and restart")):
            w = s[when]
            out.append(f"| {label} | {fmt(w['late_p50_ms'], 0)} / {fmt(w['late_p99_ms'], 0)} ms | {fmt(w['rpc_p50_ms'], 2)} ms | "
                       f"{fmt(w['step_p50_ms'], 2)} ms | {fmt(w['server_rss_mib'], 1)} MiB |")
        out.append("")
    out.append("| lease ttl | SIGKILL → resumed on another worker | beyond the ttl |")
    out.append("|---:|---:|---:|")
    for f in e2e["failover"]:
        out.append(f"| {f['ttl_ms'] / 1000:g} s | {fmt(f['resumed_after_s'], 2)} s | {fmt(f.get('beyond_ttl_ms'), 0)} ms |")
    out.append("")
    if "replicas" in e2e:
        out.append("Replicas of the server on the one database (2 workers, a client per replica):")
        out.append("")
        out.append("| replicas | invocations/s | ÷ 1 replica |")
        out.append("|---:|---:|---:|")
        single = e2e["replicas"][0]["invocations_per_second"] if e2e["replicas"] else 0
        for r in e2e["replicas"]:
            ratio = r["invocations_per_second"] / single if single else None
            out.append(f"| {r['replicas']} | {fmt(r['invocations_per_second'], 1)} | {fmt(ratio, 2)} |")
        out.append("")

print("\n".join(out))
