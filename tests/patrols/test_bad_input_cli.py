"""Each kind of bad patrol input through ``forcegen patrol``: exit 2, the item named, nothing
written (no JSON on stdout, no workbook, no map, no other file)."""

from __future__ import annotations

import pytest
from _patrol_oracle import write_patrol
from test_input import LEGS, _patrol
from typer.testing import CliRunner

from forcegen.cli.main import app

CASES = {
    # area B: 30 h each way from either port, endurance 10 h
    "unreachable": ({}, {("P", "B"): 30.0, ("B", "Q"): 30.0},
                    ["area 'B' cannot be patrolled", "60.0 h"]),
    "unknown port": ({"vessels__1__end": "Atlantis"}, {}, ["unknown port 'Atlantis'",
                                                            "vessels.1.end"]),
    "negative value": ({"areas__1__value": -1}, {}, ["patrol.areas.1.value"]),
    "negative hours": ({"areas__0__hours": -1}, {}, ["patrol.areas.0.hours"]),
    "negative endurance": ({"vessels__0__endurance": -5}, {}, ["patrol.vessels.0.endurance"]),
    "legs missing pairs": ({}, None, ["lacks A-B, B-A", "V1", "V2"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exits_2_naming_it_and_writes_nothing(tmp_path, case):
    changes, legs_change, expected = CASES[case]
    legs = ({k: v for k, v in LEGS.items() if k != ("A", "B")} if legs_change is None
            else {**LEGS, **legs_change})
    src = tmp_path / "in"
    src.mkdir()
    write_patrol(src, _patrol(**changes), legs)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["patrol", str(src), "--json", "--xlsx", str(out) + ".xlsx",
                                 "--map", str(out) + ".png", "--time-limit", "2"])
    assert r.exit_code == 2, r.stderr
    assert r.stdout == ""
    for text in expected:
        assert text in r.stderr, (text, r.stderr)
    assert "Traceback" not in r.stderr
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
