"""Run ``forcegen`` with a fake native library that prints on file descriptor 1.

Used as a script by the tests (``python _noisy_forcegen.py ARGS``): before each scenario or plan
is read it writes straight to fd 1 (as a native library's ``write`` would) and through C's
buffered ``printf`` (as HiGHS's banner does), so the check does not depend on whether the
installed HiGHS happens to print a banner.
"""

from __future__ import annotations

import ctypes
import os
import sys
from typing import Any

import forcegen.scenario
import forcegen.sourcing

FD_TEXT = b"native chatter on fd 1\n"
PRINTF_TEXT = b"buffered C stdio chatter\n"

try:
    _printf = ctypes.CDLL(None).printf
except (OSError, AttributeError):  # pragma: no cover - no C runtime this way (Windows)
    _printf = None


def _chatter() -> None:
    os.write(1, FD_TEXT)
    if _printf is not None:
        _printf(PRINTF_TEXT)  # left in C's buffer on a pipe, as HiGHS leaves its banner


def _noisy(real: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _chatter()
        return real(*args, **kwargs)

    return wrapper


forcegen.scenario.load_scenario = _noisy(forcegen.scenario.load_scenario)
forcegen.sourcing.compare_plans = _noisy(forcegen.sourcing.compare_plans)

if __name__ == "__main__":
    from forcegen.cli.main import app

    sys.argv[0] = "forcegen"
    app()
