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

import pytest
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


# Both ways the program starts, each after a pause of PAUSE seconds in the process (as a slow
# start-up would take): the console script (pyproject's [project.scripts]) is ``from
# forcegen.cli.main import app; app()``; ``python -m forcegen`` runs forcegen/__main__.py.
PAUSE = 2.0
ENTRY_POINTS = {
    "python -m forcegen": "import runpy; runpy.run_module('forcegen', run_name='__main__')",
    "console script": "from forcegen.cli.main import app; sys.exit(app())",
}


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_the_command_counts_its_start_up(tmp_path, entry):
    """``forcegen patrol`` counts from its process start: a limit shorter than what ran
    before the command leaves greedy routes, and the reported seconds include it."""
    patrol, legs = random_instance(6, 10, 2)
    path = write_patrol(tmp_path, patrol, legs)
    argv = ["forcegen", "patrol", str(path), "--json", "--time-limit", str(PAUSE / 2)]
    code = f"import sys, time; time.sleep({PAUSE}); sys.argv = {argv!r}; " + ENTRY_POINTS[entry]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False, timeout=300, env={**os.environ, "PYTHONPATH": SRC})
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["method"] == "greedy"
    assert any("spent before the search" in n for n in doc["notes"])
    assert doc["seconds"] >= PAUSE


def test_in_process_commands_count_from_their_own_start(tmp_path):
    """A command run in-process with given arguments (a CliRunner) is not the program: its
    limit counts from the command's start, so a generous limit still leaves time to search."""
    from typer.testing import CliRunner

    from forcegen.cli.main import app

    patrol, legs = random_instance(6, 10, 2)
    path = write_patrol(tmp_path, patrol, legs)
    r = CliRunner().invoke(app, ["patrol", str(path), "--json", "--time-limit", "30",
                                 "--method", "heuristic"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["method"] == "ils"
    assert not _clock._START


def test_process_age_counts_from_the_process_start():
    """This test process started before this test ran (pytest's start-up at least)."""
    assert _clock.process_age() > 0.0
