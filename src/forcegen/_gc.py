"""Pause Python's cyclic garbage collector while a large scenario is built.

Reading a scenario creates hundreds of thousands of objects that all stay alive (parsed
records, then validated models). Each automatic collection walks every tracked object, and
collections are triggered by allocation counts, so a 50,000-pledge file paid more CPU for
collections that freed nothing than for the parsing itself (measured: 9.8 s vs 4.5 s CPU for
``load_scenario`` on the bench's 200x50,000x10,000 YAML case). Reference counting still frees
everything that is not in a cycle while paused, so memory stays bounded by what is built.

The collector is process-wide: a counter makes nested and concurrent (threaded server) pauses
safe; the collector is enabled again when the last pause ends, if it was enabled before the
first one began.
"""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

__all__ = ["gc_paused", "with_gc_paused"]

_lock = threading.Lock()
_depth = 0
_was_enabled = False

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def gc_paused() -> Iterator[None]:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()


def with_gc_paused(func: Callable[P, R]) -> Callable[P, R]:
    """Decorator form of :func:`gc_paused`."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with gc_paused():
            return func(*args, **kwargs)

    return wrapper
