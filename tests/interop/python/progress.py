"""Progress lines for the C++ test driver, shared by worker.py and client.py.

stdout carries only the lines a test waits on, in the shape of the C++ example
examples/load_balancing (``[name] event key=value ...`` for a worker, ``result id=...``
for a client); the SDK's own log goes to stderr (all of it with ``--verbose``).
``SdkEvents`` turns a few of the SDK's log records into progress lines: the SSE
stream opened, a task suspended, a task released after a failure.
"""

from __future__ import annotations

import logging
import sys
import time


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def clock_time(epoch_ms: int) -> str:
    """Epoch milliseconds as local wall-clock time, hh:mm:ss.mmm."""
    local = time.localtime(epoch_ms // 1000)
    return time.strftime("%H:%M:%S", local) + f".{epoch_ms % 1000:03d}"


def say(line: str) -> None:
    """One write per line, flushed: several executions print concurrently."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class SdkEvents(logging.Handler):
    """Reports the SDK's own events (read from resonate 0.8's log records) as progress lines."""

    def __init__(self, prefix: str) -> None:
        super().__init__(level=logging.DEBUG)
        self.prefix = prefix

    def emit(self, record: logging.LogRecord) -> None:
        message = record.msg
        args = record.args if isinstance(record.args, tuple) else ()
        if message.startswith("SSE connection established"):
            say(f"{self.prefix}connected")
        elif message.startswith("core: task suspended") and args:
            say(f"{self.prefix}suspended id={args[0]}")
        elif message.startswith("core: execution failed, releasing task") and args:
            say(f"{self.prefix}released id={args[0]}")
        elif message.startswith("background task failed"):
            say(f"{self.prefix}failure {record.getMessage()}")


def configure_logging(prefix: str, verbose: bool) -> None:
    """SDK log to stderr (warnings, or everything when verbose); SDK events to stdout."""
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setLevel(logging.DEBUG if verbose else logging.WARNING)
    stderr.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    sdk = logging.getLogger("resonate")
    sdk.setLevel(logging.DEBUG)
    sdk.addHandler(stderr)
    sdk.addHandler(SdkEvents(prefix))
    sdk.propagate = False
