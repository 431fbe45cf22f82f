"""What native (C/C++) libraries print: one helper shared by the solver factory and the CLI."""

from __future__ import annotations

import ctypes
from contextlib import suppress

__all__ = ["flush_c_stdio"]


def flush_c_stdio() -> None:
    """Flush every C stdio stream of the process.

    C's stdout is block-buffered on a pipe: text a library printed with ``printf`` while fd 1
    pointed elsewhere would otherwise reach the real stdout at exit, after fd 1 is restored.
    """
    with suppress(OSError, AttributeError, TypeError):  # no C runtime this way (Windows)
        ctypes.CDLL(None).fflush(None)
