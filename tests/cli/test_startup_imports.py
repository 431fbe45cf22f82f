"""``forcegen source --json`` does not import what it does not use (issue 9, §5).

matplotlib alone took 0.9 s of a 4.5 s command on the issue's machine; charts, workbooks and the
workspace's web stack are imported only on the paths that draw, write or serve them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "reassurance-force"
HEAVY = ("matplotlib", "openpyxl", "pandas", "fastapi", "starlette", "sqlalchemy", "uvicorn")


def imported_modules(*args: str) -> tuple[set[str], str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    r = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "forcegen", *args],
        capture_output=True, text=True, env=env, timeout=300, cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in r.stderr.splitlines() if line.startswith("import time:") and "|" in line
    }
    return names, r.stdout


@pytest.mark.parametrize("args", [
    ("source", str(EXAMPLE), "--json"),
    ("source", str(EXAMPLE)),
], ids=["json", "tables"])
def test_source_imports_no_chart_workbook_or_web_modules(args: tuple[str, ...]) -> None:
    names, stdout = imported_modules(*args)
    assert "forcegen.sourcing" in names  # the parse found the import log at all
    heavy = sorted(n for n in names if n.split(".")[0] in HEAVY)
    assert heavy == []
    if "--json" in args:
        assert json.loads(stdout)["status"]


def test_source_leaves_numpy_ma_and_scipy_unimported() -> None:
    """``np.unique`` imports numpy.ma (0.05 s); scipy (0.2-0.3 s) serves large models only."""
    names, stdout = imported_modules("source", str(EXAMPLE), "--json")
    assert json.loads(stdout)["status"] == "optimal"
    assert "numpy.ma" not in names
    assert not any(n.split(".")[0] == "scipy" for n in names)


def test_charts_still_drawn_when_asked(tmp_path: Path) -> None:
    names, _ = imported_modules("source", str(EXAMPLE), "--json", "--charts", str(tmp_path),
                                "--xlsx", str(tmp_path / "plan.xlsx"))
    assert "matplotlib" in names and "openpyxl" in names
    assert (tmp_path / "burden.svg").stat().st_size > 0
    assert (tmp_path / "plan.xlsx").stat().st_size > 0


#: What ``forcegen --help`` (and importing the command line) must not load: the scenario
#: models (pydantic), the solvers and the numeric stack are imported by the commands that
#: use them, so help and a mistyped flag answer at once.
NOT_AT_START = (*HEAVY, "pydantic", "pydantic_core", "highspy", "numpy", "scipy", "ortools",
                "yaml")


def test_help_imports_neither_models_nor_solvers() -> None:
    names, stdout = imported_modules("--help")
    assert "forcegen.cli.main" in names and "source" in stdout
    assert sorted(n for n in names if n.split(".")[0] in NOT_AT_START) == []


def test_importing_the_cli_loads_no_model_solver_or_web_module() -> None:
    code = ("import sys, forcegen.cli, forcegen.cli.main; "
            "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, timeout=120,
                       cwd=ROOT, check=True)
    loaded = set(r.stdout.split())
    assert "typer" in loaded  # the check ran in the right interpreter
    assert sorted(loaded & set(NOT_AT_START)) == []
