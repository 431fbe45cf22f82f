"""Keep stdout for forcegen's own output, whatever a native library prints.

Native libraries write to file descriptor 1 directly (HiGHS 1.16 prints a two-line banner when
a solver is created), which Python's ``sys.stdout`` never sees. A ``--json`` document must be
the only thing on stdout, and a table must not have a banner in the middle. So for the whole
command: fd 1 is pointed at stderr (native chatter lands there), and ``sys.stdout`` (which
``print``, ``typer.echo`` and every ``rich.Console()`` without a file resolve at write time)
is a new stream on a duplicate of the original stdout.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from forcegen._native import flush_c_stdio

__all__ = ["stdout_reserved"]


def _uses_fd1(stream: object) -> bool:
    try:
        return stream is not None and stream.fileno() == 1  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return False  # e.g. a test runner's in-memory stream: leave it alone


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


@contextmanager
def stdout_reserved() -> Iterator[None]:
    """Within the block, fd 1 goes to stderr and ``sys.stdout`` to the real stdout.

    Exit codes and exceptions pass through unchanged.
    """
    # Stderr closed at start (2>&-): Python then has no sys.stderr and fd 2 may be free or
    # reused by any file; the chatter is dropped rather than kept on stdout. Checked before
    # the dup below, which would otherwise take the free fd 2 itself.
    own_sink = sys.__stderr__ is None or not _is_open(2)
    sink = os.open(os.devnull, os.O_WRONLY) if own_sink else 2
    try:
        saved = os.dup(1)
    except OSError:  # stdout closed: nothing to protect
        if own_sink:
            os.close(sink)
        yield
        return
    old = sys.stdout
    redirect_python = _uses_fd1(old)
    if redirect_python:
        old.flush()
        # A terminal keeps line buffering (a progress line shows at once); a pipe is buffered.
        sys.stdout = io.TextIOWrapper(
            io.BufferedWriter(io.FileIO(saved, "w", closefd=False)),
            encoding=old.encoding, errors=old.errors,
            line_buffering=getattr(old, "line_buffering", False),
        )
    os.dup2(sink, 1)
    try:
        yield
    finally:
        if redirect_python:
            # A reader that went away (| head) has nothing left to save.
            with suppress(OSError, ValueError):
                sys.stdout.flush()
            with suppress(OSError, ValueError):
                sys.stdout.close()
            sys.stdout = old
        flush_c_stdio()
        os.dup2(saved, 1)
        os.close(saved)
        if own_sink:
            os.close(sink)
