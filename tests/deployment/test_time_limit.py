"""``forcegen deploy``'s time limit covers the whole call, start-up and reading included.

Nothing here is timed: the deadline is put behind the planner (a pause before the command, as a
slow start-up under load would take) and the plan must say where the limit went.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from forcegen.cli import _clock, deploy_cmds
from forcegen.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "reassurance-force"
SPENT = "the time limit was spent before scheduling"


def test_a_limit_spent_by_start_up_leaves_the_starting_plan_and_says_so():
    """The program paused longer than its limit before the command: a plan still comes (one
    JSON document, every movement scheduled) with a note naming the start-up."""
    pause = 2.0
    argv = ["forcegen", "deploy", str(EXAMPLE), "--json", "--time-limit", str(pause / 2)]
    code = (f"import sys, time; time.sleep({pause}); sys.argv = {argv!r}; "
            "import runpy; runpy.run_module('forcegen', run_name='__main__')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert any(n.startswith(SPENT) for n in doc["notes"]), doc["notes"]
    assert doc["movements"] and all(m["start"] is not None for m in doc["movements"])


def test_a_command_run_in_process_counts_from_its_own_start(monkeypatch):
    """A CliRunner call is not the program (no process start marked): a generous limit is
    not spent by the test process's own age (made hours here, so that counting it would
    show), so no such note."""
    monkeypatch.setattr(_clock, "process_age", lambda: 10_000.0)
    r = CliRunner().invoke(app, ["deploy", str(EXAMPLE), "--json", "--time-limit", "30"])
    assert r.exit_code == 0, r.output
    assert not any(n.startswith(SPENT) for n in json.loads(r.stdout)["notes"])
    assert not _clock._START


def test_left_is_a_share_of_what_remains_and_notes_an_empty_one():
    notes: list[str] = []
    now = time.monotonic()
    assert 4.0 < deploy_cmds._left(now + 10.0, 0.5, now, notes) <= 5.0 and notes == []
    assert deploy_cmds._left(now - 1.0, 1.0, now - 5.0, notes) == deploy_cmds.MIN_SOLVE
    assert len(notes) == 1 and notes[0].startswith(SPENT)
    deploy_cmds._left(now - 1.0, 0.5, now - 5.0, notes)
    assert len(notes) == 1  # said once, for the base plan and the what-if together
