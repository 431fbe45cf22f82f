"""The relief's large arrays: no huge-page advice and no cyclic collection while they are
built, and both left as they were found afterwards (also after an error, and nested)."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from _relief_oracle import random_relief

import forcegen.relief.plan as plan_module
from forcegen._gc import _set_madvise_hugepage, large_arrays
from forcegen.relief import build, plan_relief

assert _set_madvise_hugepage is not None  # the numpy of the venv has it


def _advised() -> bool:
    before = bool(_set_madvise_hugepage(True))
    _set_madvise_hugepage(before)
    return before


@pytest.fixture
def advice_on():
    before = bool(_set_madvise_hugepage(True))
    yield
    _set_madvise_hugepage(before)


def test_advice_off_inside_and_restored(advice_on):
    assert _advised() and gc.isenabled()
    with large_arrays():
        assert not _advised() and not gc.isenabled()
        with large_arrays():
            assert not _advised()
        assert not _advised() and not gc.isenabled()  # the outer block still runs
    assert _advised() and gc.isenabled()


def test_restored_after_an_error(advice_on):
    with pytest.raises(ZeroDivisionError), large_arrays():
        _ = 1 / 0
    assert _advised() and gc.isenabled()


def test_left_off_when_the_caller_had_it_off():
    before = bool(_set_madvise_hugepage(False))
    try:
        with large_arrays():
            assert not _advised()
        assert not _advised()
    finally:
        _set_madvise_hugepage(before)


def test_matching_runs_without_the_advice(advice_on, monkeypatch):
    seen: list[tuple[bool, bool]] = []
    inner = plan_module.lexicographic

    def spy(*args, **kwargs):
        seen.append((_advised(), gc.isenabled()))
        return inner(*args, **kwargs)

    monkeypatch.setattr(plan_module, "lexicographic", spy)
    result = plan_relief(build(random_relief(np.random.default_rng(3), 4, 3)))
    assert result.status == "optimal"
    assert seen == [(False, False)]
    assert _advised() and gc.isenabled()
