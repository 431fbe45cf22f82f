"""Nation criticality: each nation's withdrawal, re-solved on one Sourcer, equals a fresh solve."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.sourcing import Sourcer, SourcingOptions, solve
from forcegen.sourcing.criticality import nation_criticality
from forcegen.synth import synthetic_scenario


def test_each_impact_matches_an_independent_withdrawal() -> None:
    sc = synthetic_scenario(8, 120, 40, seed=3)
    base, impacts = nation_criticality(Sourcer(sc))
    assert {i.nation for i in impacts} == {b.nation for b in base.burden}
    for imp in impacts:
        fresh = solve(sc, SourcingOptions(withdraw=(imp.nation,)))
        assert imp.fill_lost == base.fill - fresh.fill
        assert imp.fill_lost >= 0
        for k, v in imp.fill_lost_by_priority.items():
            assert v == base.fill_by_priority[k] - fresh.fill_by_priority.get(k, 0)
    # Ordered by harm: priority-1 losses never increase down the list.
    p1 = [i.fill_lost_by_priority.get(1, 0) for i in impacts]
    assert p1 == sorted(p1, reverse=True)


def test_sole_provider_is_most_critical(cli: CliRunner, example_path: Path) -> None:
    r = cli.invoke(app, ["criticality", str(example_path), "--json", "--nations", "FRA,ISL"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    by = {n["nation"]: n for n in doc["nations"]}
    assert by["FRA"]["fill_lost"] > 0  # a lead nation carries priority-1 lines
    assert doc["nations"][0]["nation"] == "FRA"
    bad = cli.invoke(app, ["criticality", str(example_path), "--nations", "XYZ"])
    assert bad.exit_code == 2
