"""Same data, same plan: the plan depends on the data alone, not on row order or method.

Ties between equally good plans are broken by the rule in ``forcegen.sourcing.solver``
(``tie_weights``): the brute force below enumerates every plan of tiny random cases and checks the
one chosen is the best under (fills by priority, -cost, -tie weight).
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import numpy as np
import pytest
from _oracle import brute_force, check_plan, plan_key, random_small_dict

from forcegen.scenario import Scenario, scenario_from_dict, scenario_to_dict
from forcegen.sourcing import Plan, SourcingOptions, solve
from forcegen.sourcing.solver import tie_weights
from forcegen.synth import synthetic_scenario


def _weights(sc: Scenario) -> dict[tuple[str, str], float]:
    pids = [p.id for p in sc.pledges]
    lids = [r.id for r in sc.requirements]
    e_p = [i for i in range(len(pids)) for _ in lids]
    e_r = [j for _ in pids for j in range(len(lids))]
    w = tie_weights(pids, lids, np.array(e_p, np.int64), np.array(e_r, np.int64))
    return {(pids[i], lids[j]): float(v) for i, j, v in zip(e_p, e_r, w, strict=True)}


def _plan_tuple(plan: Plan) -> tuple[Any, ...]:
    return (plan.status, plan.fill_by_priority, plan.cost,
            [(a.pledge, a.requirement, a.units) for a in plan.assignments],
            [(s.requirement, s.missing, [r.code for r in s.reasons]) for s in plan.shortfalls],
            [(line.requirement, line.filled) for line in plan.lines])


def _shuffled(sc: Scenario, seed: int) -> Scenario:
    doc = scenario_to_dict(sc)
    rng = random.Random(seed)
    for key in ("pledges", "requirements", "nations", "sectors"):
        if isinstance(doc.get(key), list):
            rng.shuffle(doc[key])
    return scenario_from_dict(doc)


@pytest.mark.parametrize("method", ["exact", "auto"])
@pytest.mark.parametrize("seed", range(80))
def test_tie_break_is_the_canonical_plan(seed: int, method: str) -> None:
    doc, options = random_small_dict(seed)
    sc = scenario_from_dict(doc)
    options = dataclasses.replace(options, method=method)
    w = _weights(sc)
    want = brute_force(sc, options, lambda p, r: w[p, r])
    plan = solve(sc, options)
    assert check_plan(sc, options, plan) == []
    assert plan.status == "optimal"
    tie = [s for s in plan.stages if s["name"] == "tie-break"]
    assert tie and tie[0]["status"] == "optimal", plan.stages
    got = (*plan_key(sc, plan), -sum(a.units * w[a.pledge, a.requirement]
                                     for a in plan.assignments))
    assert got == want, (seed, got, want)


@pytest.mark.parametrize("include", [("approved",), ("offered",)])
def test_row_order_does_not_change_the_plan(example: Scenario, include: tuple[str, ...]) -> None:
    for method in ("exact", "auto"):
        options = SourcingOptions(include=include, method=method)
        base = _plan_tuple(solve(example, options))
        for seed in range(2):
            assert _plan_tuple(solve(_shuffled(example, seed), options)) == base, (method, seed)


def test_row_order_synthetic_whatifs() -> None:
    sc = synthetic_scenario(8, 120, 40, sectors=4, caveat_rate=0.5, seed=5)
    shuffled = _shuffled(sc, 11)
    nation = sc.nations[0].code
    for options in (SourcingOptions(), SourcingOptions(include=("provisional",)),
                    SourcingOptions(withdraw=(nation,))):
        assert _plan_tuple(solve(shuffled, options)) == _plan_tuple(solve(sc, options))


@pytest.mark.parametrize("include", [("approved",), ("offered",)])
def test_auto_and_exact_give_the_same_plan(example: Scenario, include: tuple[str, ...]) -> None:
    auto = solve(example, SourcingOptions(include=include))
    exact = solve(example, SourcingOptions(include=include, method="exact"))
    assert auto.status == exact.status == "optimal"
    assert _plan_tuple(auto) == _plan_tuple(exact)
