"""numba's ``njit`` as the compute core's kernels use it: cached on disk, GIL released.

numba caches compiled code beside the source (``__pycache__``), else in ``NUMBA_CACHE_DIR``,
else in the user's cache folder (``$XDG_CACHE_HOME`` or ``~/.cache``/numba), so only the first
run of a release pays for compiling. Where none is writable (a read-only install run by a user
without a home) numba refuses ``cache=True`` outright: the kernels are then compiled without
the cache rather than failing to import, and :data:`CACHED` says so. Without numba the same
functions run as plain Python (same results, slower).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["CACHED", "HAVE_NUMBA", "njit"]

#: Whether compiled kernels are cached on disk (False: a read-only install with no writable
#: cache folder compiles them on every run).
CACHED = True

try:  # numba is a dependency; without it the same code runs as plain Python
    from numba import njit as _njit

    def njit(fn: Callable[..., Any]) -> Any:
        """Compile ``fn`` without the GIL, cached on disk where a cache folder is writable."""
        global CACHED
        try:
            return _njit(cache=True, nogil=True)(fn)
        except RuntimeError:  # "cannot cache function ...: no locator available"
            CACHED = False
            return _njit(nogil=True)(fn)

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover - exercised only where numba is missing
    HAVE_NUMBA = False

    def njit(fn: Callable[..., Any]) -> Any:
        """Leave ``fn`` as plain Python."""
        return fn
