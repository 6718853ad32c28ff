"""Load balancing, a worker built on the official Python SDK (resonate-sdk 0.8): serves the
group ``workers`` of a Resonate server, like examples/load_balancing/worker.cpp.

    python worker.py [--url http://127.0.0.1:8001] [--name worker-1] [--ttl-ms 5000] [--verbose]

(--url falls back to RESONATE_URL, then to http://127.0.0.1:8001.)

compute_something(id, cost) "works" for ``cost`` seconds with a durable sleep and returns
who started and who finished it. Its durable calls are laid out to line up with the C++
example's (and tests/interop/functions.mjs's), so that a worker of one SDK can take over an
execution that a worker of the other started:

    C++, TS   id:0 run(claim) -> name   id:1 now() -> ms      id:2 sleep(cost)
    Python                              id:1 run(now) -> ms   id:2 sleep(cost)   id:3 run(claim) -> name

Python numbers the durable calls of an execution from 1, C++ and TypeScript from 0, so the
claim cannot share a position: on a takeover across SDKs the start time and the sleep's
deadline carry over, and ``started_by`` is claimed anew by the first worker of the other SDK.

Output, one line per event (the C++ example's, plus SDK events):
    [worker-1] ready  pid=... group=workers
    [worker-1] connected
    [worker-1] start  id=job-4 cost=5s at 12:00:01.250 at_ms=...
    [worker-1] suspended id=job-4
    [worker-2] resume id=job-4 started by worker-1 at 12:00:01.250, sleep already over
    [worker-2] done   id=job-4 took 5.6s (expected end 12:00:06.250, actual 12:00:06.850)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import uuid
from datetime import timedelta
from typing import Any

from resonate.context import Context
from resonate.resonate import Resonate

from progress import clock_time, configure_logging, now_ms, say


def make_compute_something(name: str):
    async def compute_something(ctx: Context, id: str, cost: int) -> dict[str, Any]:
        # Recorded steps: they run once, and every replay gets their first result back.
        first_pass = False

        def started(_ctx: Context) -> int:
            nonlocal first_pass
            first_pass = True  # only runs when this is the first execution
            return now_ms()

        def claim(_ctx: Context) -> str:
            return name

        started_at = await ctx.run(started)  # id:1
        # The sleep is made before the claim so that it takes id:2, the C++ example's sleep;
        # it is awaited after. Durable: the deadline is fixed by the first execution, so a
        # replay waits only for what is left of it.
        sleeping = ctx.sleep(timedelta(seconds=cost))  # id:2
        started_by = await ctx.run(claim)  # id:3
        expected_end = started_at + cost * 1000
        if first_pass:
            say(f"[{name}] start  id={id} cost={cost}s at {clock_time(started_at)} at_ms={started_at}")
        else:
            left = expected_end - now_ms()
            rest = f"{left / 1000:.1f}s of sleep left" if left > 0 else "sleep already over"
            by = "this worker" if started_by == name else started_by
            say(f"[{name}] resume id={id} started by {by} at {clock_time(started_at)}, {rest}")

        await sleeping

        finished_at = now_ms()
        say(
            f"[{name}] done   id={id} took {(finished_at - started_at) / 1000:.1f}s "
            f"(expected end {clock_time(expected_end)}, actual {clock_time(finished_at)})"
        )
        return {
            "id": id,
            "cost": cost,
            "started_by": started_by,
            "finished_by": name,
            "started_at": started_at,
            "finished_at": finished_at,
        }

    return compute_something


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("RESONATE_URL", "http://127.0.0.1:8001"))
    parser.add_argument("--name", default="worker")
    parser.add_argument("--ttl-ms", type=int, default=5000)
    parser.add_argument("--verbose", action="store_true")
    options = parser.parse_args()
    configure_logging(f"[{options.name}] ", options.verbose)

    pid = uuid.uuid4().hex
    resonate = Resonate(
        url=options.url,
        group="workers",
        pid=pid,
        ttl=timedelta(milliseconds=options.ttl_ms),  # a dead worker's lease lapses within the ttl
    )
    resonate.register(make_compute_something(options.name), name="compute_something")

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)
    say(f"[{options.name}] ready  pid={pid} group=workers")
    await stop.wait()
    await resonate.stop()


if __name__ == "__main__":
    asyncio.run(main())
