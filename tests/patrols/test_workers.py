"""How many search threads a plan uses: a second one only when a core is idle right now."""

from __future__ import annotations

import os

import pytest

from forcegen.patrols import solve


def _ticks(monkeypatch: pytest.MonkeyPatch, readings: list[tuple[int, int] | None]) -> None:
    it = iter(readings)
    monkeypatch.setattr(solve, "_cpu_ticks", lambda: next(it))
    monkeypatch.setattr(solve, "IDLE_WINDOW", 0.0)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)


def test_idle_cores_are_the_idle_share_of_the_window_times_the_cpus(monkeypatch):
    _ticks(monkeypatch, [(1000, 5000), (1100, 5200)])  # 100 of 200 ticks idle on 2 CPUs
    assert solve._idle_cores() == pytest.approx(1.0)


@pytest.mark.parametrize(("idle", "workers"), [(200, 2), (80, 2), (70, 1), (20, 1), (0, 1)])
def test_a_second_search_only_with_most_of_a_core_idle(monkeypatch, idle, workers):
    # A window of 200 ticks on 2 CPUs: ``idle`` of them idle (200 = both cores idle).
    _ticks(monkeypatch, [(0, 1000), (idle, 1200)])
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))  # must not be consulted
    assert solve._search_workers() == workers


def test_the_load_average_of_the_run_before_does_not_decide(monkeypatch):
    """A load of 2 left by the previous search (one search after another) with both cores
    idle now: two searches."""
    _ticks(monkeypatch, [(0, 1000), (200, 1200)])
    monkeypatch.setattr(os, "getloadavg", lambda: (2.0, 2.0, 2.0))
    assert solve._search_workers() == 2


@pytest.mark.parametrize(("load", "workers"), [(0.5, 2), (1.5, 1)])
def test_without_proc_stat_the_load_average_decides(monkeypatch, load, workers):
    _ticks(monkeypatch, [None])
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    assert solve._search_workers() == workers


def test_one_core_one_search(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    monkeypatch.setattr(solve, "_cpu_ticks", lambda: pytest.fail("no need to sample"))
    assert solve._search_workers() == 1
