"""Every command and option the README documents works on the bundled example (issue 9, §6).

``preposition --stocks --budget`` stopped on the example ("no price for stock type 'spares'");
a planner tries the documented options on the bundled example first, so each is run here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forcegen.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
EX = str(ROOT / "examples" / "reassurance-force")

# (name, arguments with {tmp} for the test's folder, files the command must write)
COMMANDS: list[tuple[str, list[str], list[str]]] = [
    ("validate", ["validate", EX], []),
    ("export-folder", ["export", EX, "--to", "{tmp}/copy"], ["copy/scenario.yaml"]),
    ("export-xlsx", ["export", EX, "--to", "{tmp}/copy.xlsx"], ["copy.xlsx"]),
    ("source", ["source", EX, "--xlsx", "{tmp}/plan.xlsx", "--charts", "{tmp}/charts",
                "--out", "{tmp}/plan.json"],
     ["plan.xlsx", "charts/burden.svg", "charts/fill-by-category.svg", "plan.json"]),
    ("source-png", ["source", EX, "--charts", "{tmp}/c", "--chart-format", "png"],
     ["c/burden.png"]),
    ("what-if", ["source", EX, "--json", "--withdraw", "NZL,FRA", "--include", "provisional",
                 "--lift-caveats", "DEU", "--ceiling", "POL=2000", "--time-limit", "30",
                 "--gap", "1e-4"], []),
    ("include-offered", ["source", EX, "--include", "offered"], []),
    ("method-greedy", ["source", EX, "--method", "greedy", "--json"], []),
    ("criticality", ["criticality", EX, "--include", "provisional"], []),
    ("respond", ["respond", EX, "--chart", "{tmp}/forces.svg", "--map", "{tmp}/map.png",
                 "--include", "provisional"], ["forces.svg", "map.png"]),
    ("p-median", ["preposition", EX, "--depots", "3", "--map", "{tmp}/depots.svg"],
     ["depots.svg"]),
    ("p-center", ["preposition", EX, "--depots", "3", "--objective", "worst"], []),
    ("max-covering", ["preposition", EX, "--depots", "2", "--objective", "coverage",
                      "--within", "24"], []),
    ("capacitated", ["preposition", EX], []),
    ("stocks", ["preposition", EX, "--stocks", "--budget", "500000000"], []),
    ("sited-stocks", ["preposition", EX, "--depots", "3", "--stocks", "--budget", "500000000"],
     []),
    ("robustness", ["robustness", EX, "--samples", "2000", "--link-prob", "0.05",
                    "--airfield-prob", "0.05", "--workers", "2"], []),
    ("robust-siting", ["robustness", EX, "--depots", "3", "--robust", "--samples", "500",
                       "--time-limit", "30"], []),
    ("example", ["example", "{tmp}/mine"], ["mine/scenario.yaml"]),
]


@pytest.mark.parametrize("args, files", [(a, f) for _, a, f in COMMANDS],
                         ids=[n for n, _, _ in COMMANDS])
def test_documented_command_runs_on_the_example(cli: CliRunner, tmp_path: Path,
                                                 args: list[str], files: list[str]) -> None:
    r = cli.invoke(app, [a.format(tmp=tmp_path) for a in args])
    assert r.exit_code == 0, r.output
    assert "error" not in r.stderr.lower()
    for f in files:
        assert (tmp_path / f).stat().st_size > 0, f
    if "--json" in args:
        json.loads(r.stdout)


def test_compare_two_documented_plans(cli: CliRunner, tmp_path: Path) -> None:
    for name, extra in (("a", []), ("b", ["--withdraw", "NZL,FRA", "--include", "provisional"])):
        r = cli.invoke(app, ["source", EX, "--out", str(tmp_path / f"{name}.json"), *extra])
        assert r.exit_code == 0, r.output
    r = cli.invoke(app, ["compare", str(tmp_path / "a.json"), str(tmp_path / "b.json")])
    assert r.exit_code == 0, r.output
    assert "FRA" in r.stdout
