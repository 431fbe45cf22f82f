"""One way to make a HiGHS solver in this process.

HiGHS keeps a single thread pool per process, sized by the first solve; a later run whose
``threads`` option differs fails with model status "Not Set". Sourcing and siting models can
meet in one process (the workspace server, the test suite), so every solver comes from here
with the same thread count.

HiGHS 1.16 prints a banner ("Running HiGHS 1.16.0 ... Includes third-party software ...") from
the ``Highs`` constructor itself, through C's ``stdout``, before any option can switch logging
off. Python's ``sys.stdout`` never sees it, so only the file descriptor can be silenced: fd 1
points at the null device while the constructor runs (and C's buffers are flushed before it
points back, or a pipe would get the banner at exit).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import highspy

from forcegen._native import flush_c_stdio

__all__ = ["HIGHS_THREADS", "new_highs", "quiet_stdout_fd"]

#: Threads for every HiGHS run in this process: a second thread speeds up the large sourcing
#: LPs (16 s instead of 37 s at 10,000 lines / 50,000 pledges) and costs nothing on small ones.
HIGHS_THREADS = max(1, min(4, int(os.environ.get("FORCEGEN_HIGHS_THREADS", 0))
                       or (os.cpu_count() or 1)))

# fd 1 is process-wide: two threads swapping it at once could leave it pointing at the null
# device. The lock makes each swap-construct-restore one step.
_FD_LOCK = threading.RLock()


@contextmanager
def quiet_stdout_fd() -> Iterator[None]:
    """Send whatever native code writes to fd 1 to the null device, thread-safely."""
    with _FD_LOCK:
        with suppress(AttributeError, ValueError, OSError):
            sys.stdout.flush()  # Python text written so far goes where it was meant to
        try:
            saved = os.dup(1)
        except OSError:  # no fd 1 at all (a daemon): nothing to protect
            yield
            return
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 1)
            yield
        finally:
            flush_c_stdio()
            os.dup2(saved, 1)
            os.close(saved)
            os.close(null)


def new_highs() -> highspy.Highs:
    """A quiet ``Highs`` instance using the process-wide thread count."""
    with quiet_stdout_fd():
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("log_to_console", False)
    h.setOptionValue("threads", HIGHS_THREADS)
    return h
