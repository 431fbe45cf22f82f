"""When this ``forcegen`` process started, so that a command's time limit covers all of it.

A ``--time-limit`` is the user's wall clock for the whole call: starting Python, importing the
solver stack and reading the input count too (seconds under load on a shared machine). The
console entry points mark the process start (Linux: from ``/proc``; elsewhere the moment of
the mark); a command run in-process (a test's CliRunner, say) has no mark and counts from its
own start instead.

The same commands end without the interpreter's teardown (:func:`finish`): freeing the
modules of the solver stack (numpy, numba, CP-SAT, pandas) took 0.4 s of CPU and 1.5-4 s of
wall clock at load 13 on 2 cores, after the limit's work was done.
"""

from __future__ import annotations

import os
import sys
import time

from forcegen._native import flush_c_stdio

__all__ = ["finish", "mark_process_start", "process_age", "started"]

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


def finish() -> None:
    """End a marked process now, output flushed, skipping the interpreter's teardown.

    For commands whose every file is written and closed by then (no temporary folders, logs
    or pools left to clean up); an unmarked (in-process) call returns and does nothing.
    """
    if not _START:
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # a reader that went away (| head): nothing to save
            pass
    flush_c_stdio()
    os._exit(0)
