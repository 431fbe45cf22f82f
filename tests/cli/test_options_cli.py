"""One parser for --include and nation codes in every command (issue 9, §6).

``--include offered,provisional`` worked in ``source`` but not in ``respond``; lowercase nation
codes (``fra``) were rejected although they can only mean one thing.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from forcegen.cli.main import app


def _doc(cli: CliRunner, args: list[str]) -> dict:  # type: ignore[type-arg]
    r = cli.invoke(app, args)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_respond_takes_a_comma_list_of_statuses(cli: CliRunner, example_path: Path) -> None:
    base = _doc(cli, ["respond", str(example_path), "--json"])
    more = _doc(cli, ["respond", str(example_path), "--json", "--include", "offered,provisional"])
    # Offered and provisional pledges add units to the sourced force.
    assert sum(s["units"] for s in more["sectors"]) > sum(s["units"] for s in base["sectors"])
    same = _doc(cli, ["respond", str(example_path), "--json", "--include", "Offered",
                      "--include", "provisional"])
    assert same["sectors"] == more["sectors"]


def test_unknown_status_names_the_option(cli: CliRunner, example_path: Path) -> None:
    for cmd in ("source", "respond", "criticality"):
        r = cli.invoke(app, [cmd, str(example_path), "--json", "--include", "maybe"])
        assert r.exit_code == 2, (cmd, r.output)
        assert "--include maybe" in r.output and "provisional" in r.output


def test_lowercase_nation_codes_are_read(cli: CliRunner, example_path: Path) -> None:
    args = ["source", str(example_path), "--json", "--include", "provisional"]
    upper = _doc(cli, [*args, "--withdraw", "NZL,FRA", "--ceiling", "POL=2000",
                       "--lift-caveats", "DEU"])
    lower = _doc(cli, [*args, "--withdraw", "nzl,fra", "--ceiling", "pol=2000",
                       "--lift-caveats", "deu"])
    assert lower["options"] == upper["options"]
    assert set(upper["options"]["withdraw"]) == {"NZL", "FRA"}
    assert lower["objective"] == upper["objective"]


def test_criticality_reads_lowercase_nations(cli: CliRunner, example_path: Path) -> None:
    doc = _doc(cli, ["criticality", str(example_path), "--json", "--nations", "fra,pol"])
    assert sorted(n["nation"] for n in doc["nations"]) == ["FRA", "POL"]
