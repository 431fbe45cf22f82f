"""Output written to a file or a pipe keeps its natural width (issue 9, §6).

Rich assumes 80 columns when stdout is not a terminal, which cut table cells ("100.…") and
wrapped long reasons over several lines in a file a planner would grep or attach to a report.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "reassurance-force"


def piped(*args: str, **env_extra: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(PYTHONPATH=str(ROOT / "src"), **env_extra)
    r = subprocess.run([sys.executable, "-m", "forcegen", *args], capture_output=True,
                       text=True, env=env, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_source_tables_are_not_cut_in_a_pipe() -> None:
    lines = piped("source", str(EXAMPLE)).splitlines()
    # The input hash is shortened on purpose; nothing else is.
    assert [ln for ln in lines if "…" in ln and "SHA-256" not in ln] == []
    assert any("100.0%" in ln for ln in lines)
    # A shortfall reason is one line, whole, wider than 80 columns.
    reason = "not ready in time: best notice to move offered 45 days, line needs 30 days"
    assert any(reason in ln for ln in lines)
    assert max(len(ln) for ln in lines) > 80
    # The summary is one line too.
    assert any(ln.startswith("Fill ") and "by priority:" in ln for ln in lines)

