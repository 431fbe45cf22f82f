"""The time limit covers the whole call: start-up, reading, the search and CP-SAT's model.

No test here times anything: each puts the deadline behind the planner (an earlier start, a
search that uses up its share) and checks that the stages after it did not run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from _patrol_oracle import random_instance, write_patrol

from forcegen.cli import _clock
from forcegen.patrols import load_patrol, plan_patrols
from forcegen.patrols import solve as solve_mod
from forcegen.patrols.exact import solve_exact

SRC = str(Path(solve_mod.__file__).resolve().parents[2])


def _prob(tmp_path):
    patrol, legs = random_instance(5, 12, 2)
    return load_patrol(write_patrol(tmp_path, patrol, legs), drop_unreachable=True)


def test_time_spent_before_the_plan_counts(tmp_path):
    """A limit already used up by what ran before (start-up, reading): greedy routes, said so,
    and the reported seconds count from that earlier start."""
    prob = _prob(tmp_path)
    began = time.monotonic() - 30.0
    plan = plan_patrols(prob, time_limit=30.0, method="auto", started=began)
    assert plan.method == "greedy" and plan.total == plan.greedy_total
    assert any("spent before the search" in n for n in plan.notes)
    assert plan.seconds >= 30.0
    assert all(prob.route_ok(k, r) for k, r in enumerate(plan.routes))


def test_cp_sat_does_not_start_after_the_deadline(tmp_path):
    """Model built past the deadline: CP-SAT is not run, no routes, the trivial bound."""
    prob = _prob(tmp_path)
    ex = solve_exact(prob, deadline=time.monotonic(), hint=None)
    assert ex.status == "NO_TIME" and ex.routes is None and not ex.proven
    assert ex.bound == float(prob.values.sum())


def test_search_using_its_share_leaves_cp_sat_out(tmp_path, monkeypatch):
    """A search that runs to the end of the time left (as a slow one under load would):
    CP-SAT's model may still be built, but it gets no time, and the plan says so."""
    prob = _prob(tmp_path)
    real = solve_mod.iterated_local_search

    def slow_search(p, *, time_limit, **kw):
        routes = real(p, time_limit=time_limit, **kw)
        time.sleep(time_limit / 0.75 + 0.05)  # its share and CP-SAT's: nothing is left
        return routes

    monkeypatch.setattr(solve_mod, "iterated_local_search", slow_search)
    plan = plan_patrols(prob, time_limit=0.5, method="auto")
    assert plan.method == "ils"
    assert any("no time was left for CP-SAT" in n for n in plan.notes)


def test_the_command_counts_its_start_up(tmp_path):
    """``forcegen patrol`` counts from its process start: a limit shorter than Python's
    start-up leaves greedy routes, and the reported seconds include the start-up."""
    patrol, legs = random_instance(6, 10, 2)
    path = write_patrol(tmp_path, patrol, legs)
    cmd = [sys.executable, "-m", "forcegen", "patrol", str(path), "--json", "--time-limit",
           "0.001"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=300,
                         env={**os.environ, "PYTHONPATH": SRC})
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["method"] == "greedy"
    assert any("spent before the search" in n for n in doc["notes"])
    assert doc["seconds"] > 0.001


def test_process_age_counts_from_the_process_start():
    """This test process started before this test ran (pytest's start-up at least)."""
    assert _clock.process_age() > 0.0
