"""Compiling the search moves: a read-only install still runs, the first run counts (and says)
the compile time within its limit, and the search compiles nothing beyond the warm-up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from _patrol_oracle import random_instance, write_patrol

from forcegen.patrols import _kernels as kn
from forcegen.patrols import _perturb, load_patrol, plan_patrols

SRC = str(Path(kn.__file__).resolve().parents[2])


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["PYTHONPATH"] = SRC
    return {**env, **extra}


def test_no_writable_cache_folder_compiles_without_cache(tmp_path):
    """numba refuses ``cache=True`` when no cache folder is writable; the wrapper still compiles.

    The module sits where its ``__pycache__`` cannot be made (a file of that name), and the
    user cache folders lie under a plain file: no locator is writable, even for root.
    """
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "__pycache__").write_text("a file, not a folder")
    (ro / "mod.py").write_text(textwrap.dedent("""
        from forcegen.patrols._kernels import njit

        @njit
        def twice(x):
            return 2 * x
    """))
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    script = ("import sys; sys.path.insert(0, sys.argv[1]); import mod; "
              "from forcegen import _jit; "
              "print(mod.twice(21), _jit.CACHED)")
    out = subprocess.run([sys.executable, "-c", script, str(ro)], capture_output=True,
                         text=True, check=False,
                         env=_env(HOME=str(blocker), XDG_CACHE_HOME=str(blocker / "x")))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["42", "False"]


def test_search_compiles_nothing_after_the_warm_up(tmp_path):
    """The warm-up's argument types are the search's: planning adds no compiled signature."""
    if not kn.HAVE_NUMBA:
        pytest.skip("numba missing: nothing is compiled")
    kernels = {n: f for mod in (kn, _perturb) for n, f in vars(mod).items()
               if hasattr(f, "signatures")}
    assert {"local_search", "perturb", "insert_all", "two_opt", "replace",
            "route_key"} <= set(kernels)
    kn.warm_up()
    before = {n: len(f.signatures) for n, f in kernels.items()}
    patrol, legs = random_instance(3, 12, 2)
    plan = plan_patrols(load_patrol(write_patrol(tmp_path, patrol, legs),
                                    drop_unreachable=True), time_limit=3, method="heuristic")
    assert plan.routes and any(plan.routes)
    assert {n: len(f.signatures) for n, f in kernels.items()} == before


@pytest.mark.slow
def test_first_run_counts_and_reports_compile_time(tmp_path):
    """An empty cache folder: the plan compiles, says how long that took, and keeps its limit
    unless compiling alone is longer (then it runs the shortest search and says so)."""
    patrol, legs = random_instance(4, 10, 2)
    path = write_patrol(tmp_path, patrol, legs)
    cache = tmp_path / "cache"
    cmd = [sys.executable, "-m", "forcegen", "patrol", str(path), "--json", "--time-limit",
           "90", "--method", "heuristic"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                         env=_env(NUMBA_CACHE_DIR=str(cache)))
    doc = json.loads(out.stdout)
    note = [n for n in doc["notes"] if n.startswith("compiling the search moves took")]
    assert len(note) == 1 and "cached on disk" in note[0]
    # Within the limit, unless compiling alone took longer (a loaded machine: minutes); then
    # only the shortest search follows it, not the limit's search share.
    compiled = float(note[0].split(" took ")[1].split(" s ")[0])
    assert doc["seconds"] <= max(90.0, compiled + 5.0) + 1.0
    assert any(cache.rglob("*.nbi"))  # the cache was written: the next run loads it
    again = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True,
                                      env=_env(NUMBA_CACHE_DIR=str(cache))).stdout)
    assert not any(n.startswith("compiling") for n in again["notes"])
