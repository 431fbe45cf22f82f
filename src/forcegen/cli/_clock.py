"""When this ``forcegen`` process started, so that a command's time limit covers all of it.

A ``--time-limit`` is the user's wall clock for the whole call: starting Python, importing the
solver stack and reading the input count too (seconds under load on a shared machine). The
console entry points mark the process start (Linux: from ``/proc``; elsewhere the moment of
the mark); a command run in-process (a test's CliRunner, say) has no mark and counts from its
own start instead.
"""

from __future__ import annotations

import os
import time

__all__ = ["mark_process_start", "process_age", "started"]

_START: list[float] = []  # time.monotonic() of the process start, once marked


def process_age() -> float:
    """Seconds since this process started (0.0 where ``/proc`` cannot tell)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as fh:
            stat = fh.read()
        with open("/proc/uptime", encoding="ascii") as fh:
            uptime = float(fh.read().split()[0])
        # Field 22 (starttime, in clock ticks since boot) counts after the ")" closing the
        # command name, which may itself hold spaces.
        ticks = int(stat.rsplit(")", 1)[1].split()[19])
        return max(0.0, uptime - ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0


def mark_process_start() -> None:
    """Remember when the process started (called by the console entry points only)."""
    if not _START:
        _START.append(time.monotonic() - process_age())


def started() -> float:
    """``time.monotonic()`` of the process start when marked, else of this call."""
    return _START[0] if _START else time.monotonic()
