"""Nation criticality: each nation's withdrawal, re-solved on one Sourcer, equals a fresh solve."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from _oracle import brute_force, random_small_dict, small_scenario
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.scenario import scenario_from_dict
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


def _best_fill_of(sc, options: SourcingOptions, line: str) -> int:
    """Most units ``line`` gets among all lexicographically optimal plans (brute force)."""
    key = brute_force(sc, options, lambda _p, r: 0.0 if r == line else 1.0)
    k = len({r.priority for r in sc.requirements})
    return round(sum(key[:k]) + key[-1])  # total fill minus the units on every other line


def test_newly_short_only_when_every_optimal_plan_is_short() -> None:
    """Each line called newly short is short in every optimal plan after the withdrawal; each
    line called a tie is full in some optimal plan (checked by exhaustive search)."""
    checked = {"newly": 0, "tie": 0}
    for seed in range(60):
        doc, options = random_small_dict(seed)
        sc = scenario_from_dict(doc)
        options = dataclasses.replace(options, method="exact", withdraw=())
        _base, impacts = nation_criticality(Sourcer(sc), options)
        need = {r.id: r.quantity for r in sc.requirements}
        for imp in impacts:
            opts = dataclasses.replace(options, withdraw=(imp.nation,))
            for line in imp.lines_newly_short:
                assert _best_fill_of(sc, opts, line) < need[line], (seed, imp.nation, line)
                checked["newly"] += 1
            for line in imp.lines_short_by_tie:
                assert _best_fill_of(sc, opts, line) >= need[line], (seed, imp.nation, line)
                checked["tie"] += 1
    assert checked["newly"] >= 5, checked


def test_a_line_that_another_equally_good_plan_fills_is_a_tie() -> None:
    """DEU withdraws: one unit is left for two equal lines; either may be the short one, so
    neither is "newly short" (the old report named whichever the plan happened to leave)."""
    line = {"capability": "X-SUP", "quantity": 1, "sector": "north", "priority": 1,
            "notice_days": 10}
    unit = {"capability": "X-SUP", "quantity": 1, "personnel": 10, "notice_days": 5,
            "status": "approved", "cost": 1}
    sc = small_scenario(
        nations=[{"code": "FRA"}, {"code": "DEU"}],
        requirements=[{"id": "R1", **line}, {"id": "R2", **line}],
        pledges=[{"id": "F1", "nation": "FRA", **unit}, {"id": "D1", "nation": "DEU", **unit}],
    )
    base, impacts = nation_criticality(Sourcer(sc), SourcingOptions(method="exact"))
    assert base.fill == 2
    deu = next(i for i in impacts if i.nation == "DEU")
    assert deu.fill_lost == 1
    assert deu.lines_newly_short == []
    assert len(deu.lines_short_by_tie) == 1
    short = deu.lines_short_by_tie[0]
    assert _best_fill_of(sc, SourcingOptions(method="exact", withdraw=("DEU",)), short) == 1
