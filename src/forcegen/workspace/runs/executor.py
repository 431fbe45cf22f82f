"""The thread pool sourcing runs execute on."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

__all__ = ["RunExecutor"]


class RunExecutor:
    """A thread pool created on first use and again after :meth:`shutdown`.

    The app shuts it down when its lifespan ends; an app that is started again (tests, an
    embedding server) gets a fresh pool instead of "cannot schedule new futures".
    """

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, workers)
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run ``fn(*args)`` in the background."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="forcegen-run")
            return self._pool.submit(fn, *args)

    def shutdown(self, wait: bool = True) -> None:
        """Stop accepting work; queued runs are cancelled (they stay ``queued`` in the table)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=not wait)
