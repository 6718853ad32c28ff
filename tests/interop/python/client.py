"""Load balancing, a client built on the official Python SDK (resonate-sdk 0.8): asks any
worker of the group ``workers`` to run compute_something(id, cost), like
examples/load_balancing/client.cpp.

    python client.py [--url http://127.0.0.1:8001] [--id job-1] [--cost 5] [--wait] [--verbose]

The call goes to the target ``poll://any@workers``; calling again with an id that exists
attaches to the first execution. Prints ``submitted id=... cost=Ns`` once the promise is
stored, then with --wait ``result id=... <JSON>`` or ``error id=... <message>``; exit status
0 unless the call failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys

from resonate.resonate import Resonate

from progress import configure_logging, say


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("RESONATE_URL", "http://127.0.0.1:8001"))
    parser.add_argument("--id", default=f"job-{secrets.token_hex(3)}")
    parser.add_argument("--cost", type=int, default=5, help="seconds")
    parser.add_argument("--wait", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    options = parser.parse_args()
    configure_logging("", options.verbose)

    # A group of its own: the client serves no function.
    resonate = Resonate(url=options.url, group="clients")
    status = 0
    try:
        handle = resonate.options(target="poll://any@workers").rpc(
            options.id, "compute_something", options.id, options.cost
        )
        await handle.id()  # the promise is stored
        say(f"submitted id={options.id} cost={options.cost}s")
        if options.wait:
            value = await handle.result()
            say(f"result id={options.id} {json.dumps(value, separators=(',', ':'))}")
    except Exception as error:  # noqa: BLE001 - reported, and the exit status says it
        say(f"error id={options.id} {error}")
        print(f"client: {error!r}", file=sys.stderr)
        status = 1
    await resonate.stop()
    return status


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
