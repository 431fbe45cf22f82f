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

:func:`large_arrays` also keeps numpy from asking the kernel for huge pages while it runs.
numpy advises ``MADV_HUGEPAGE`` on every array of 4 MB or more; where transparent huge pages
are ``madvise`` with ``defrag=madvise`` (this project's machines), each such array's first
touch then compacts memory synchronously. Arrays over millions of relief pairs are allocated,
used once and freed: measured at 2,000 requests x 20,000 offers (2 million pairs), the advice
cost 0.4-0.6 of 5.1 CPU seconds and saved nothing measurable back.
"""

from __future__ import annotations

import functools
import gc
import importlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar


def _madvise_switch() -> Callable[[bool], bool] | None:
    """The switch of numpy for the advice, which returns the previous setting.

    Private, present since numpy 1.20: were it gone, only the speed-up would be.
    """
    for name in ("numpy._core.multiarray", "numpy.core.multiarray"):
        try:
            module = importlib.import_module(name)
        except ImportError:  # pragma: no cover (numpy 1.x has only the second)
            continue
        switch = getattr(module, "_set_madvise_hugepage", None)
        if switch is not None:
            return switch
    return None  # pragma: no cover


_set_madvise_hugepage = _madvise_switch()

__all__ = ["gc_paused", "large_arrays", "with_gc_paused", "with_large_arrays"]

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


_pages_depth = 0
_pages_were_advised = False


@contextmanager
def large_arrays() -> Iterator[None]:
    """:func:`gc_paused`, and numpy's huge-page advice off (see the module), while it runs.

    Nesting- and thread-safe like :func:`gc_paused`: the advice comes back, as it was, when
    the last of the overlapping blocks ends. The advice is process-wide, and only a matter of
    speed: another thread's arrays allocated meanwhile are the same arrays, on small pages.
    """
    global _pages_depth, _pages_were_advised
    with gc_paused():
        with _lock:
            if _pages_depth == 0 and _set_madvise_hugepage is not None:
                _pages_were_advised = bool(_set_madvise_hugepage(False))
            _pages_depth += 1
        try:
            yield
        finally:
            with _lock:
                _pages_depth -= 1
                if _pages_depth == 0 and _set_madvise_hugepage is not None:
                    _set_madvise_hugepage(_pages_were_advised)


def with_large_arrays(func: Callable[P, R]) -> Callable[P, R]:
    """Decorator form of :func:`large_arrays`."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with large_arrays():
            return func(*args, **kwargs)

    return wrapper
