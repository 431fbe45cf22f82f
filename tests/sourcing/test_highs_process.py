"""Siting and sourcing models solved in one process (as in the workspace server).

HiGHS keeps one thread pool per process and fails a run whose thread count differs from it
with status "Not Set"; every solver must come from ``forcegen._highs.new_highs``.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from forcegen.readiness.preposition import preposition
from forcegen.sourcing import solve
from forcegen.synth import synthetic_scenario

SRC = Path(__file__).resolve().parents[2] / "src" / "forcegen"


def test_siting_then_sourcing_then_siting() -> None:
    rng = np.random.default_rng(0)
    cost = rng.uniform(1, 10, size=(6, 5))
    demand = np.ones(5)
    sites, sectors = [f"s{i}" for i in range(6)], [f"t{j}" for j in range(5)]
    first = preposition(cost, demand, sites, sectors, p=2, method="exact")
    plan = solve(synthetic_scenario(5, 60, 20, seed=2))
    again = preposition(cost, demand, sites, sectors, p=2, method="exact")
    assert first.status == again.status == "optimal"
    assert plan.status == "optimal"
    # brute force over all pairs of sites
    best = min(cost[[i, k]].min(axis=0).sum() for i in range(6) for k in range(i + 1, 6))
    assert abs(first.total - best) < 1e-9


def test_no_solver_made_outside_the_shared_factory() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.name == "_highs.py" and path.parent == SRC:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "Highs"):
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert offenders == [], offenders


def test_making_solvers_prints_nothing_on_fd_1() -> None:
    """HiGHS 1.16 prints a banner from C when a solver is made; fd 1 must stay clean.

    Run as a real process with stdout a pipe (C buffers it until exit, so a banner written
    while fd 1 was redirected but flushed later would still show here).
    """
    code = (
        "import threading, sys\n"
        "from forcegen._highs import new_highs\n"
        "from forcegen.sourcing import solve\n"
        "from forcegen.synth import synthetic_scenario\n"
        "print('start', flush=True)\n"
        "ts = [threading.Thread(target=new_highs) for _ in range(4)]\n"
        "[t.start() for t in ts]; [t.join() for t in ts]\n"
        "plan = solve(synthetic_scenario(4, 30, 10, seed=1))\n"
        "print('end', plan.status)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC.parent)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=120, check=True)
    assert out.stdout == "start\nend optimal\n", out.stdout
