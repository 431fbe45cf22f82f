"""Fill bounds from the lexicographic maximum flow (``forcegen.sourcing._flow``).

The flow route is taken only on large models; here it is forced on every model (the size rule
set to 0) and checked against exhaustive search, and against the LP fill stages it replaces.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from _oracle import brute_force, check_plan, plan_key, random_small_dict

from forcegen.scenario import scenario_from_dict
from forcegen.sourcing import Sourcer, SourcingOptions, solve
from forcegen.sourcing import solver as solver_mod
from forcegen.sourcing._flow import lex_max_flow
from forcegen.synth import synthetic_scenario

SEEDS = range(160)


@pytest.fixture
def flow_always(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solver_mod, "FLOW_PAIR_MIN", 0)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("method", ["auto", "decompose"])
def test_flow_route_equals_brute_force(seed: int, method: str, flow_always: None) -> None:
    doc, options = random_small_dict(seed)
    scenario = scenario_from_dict(doc)
    options = dataclasses.replace(options, method=method)
    want = brute_force(scenario, options)
    plan = solve(scenario, options)
    assert check_plan(scenario, options, plan) == []
    got = plan_key(scenario, plan)
    if method == "auto" or plan.status == "optimal":
        assert plan.status == "optimal", (seed, plan.stages)
        assert got == want, (seed, got, want, plan.stages)
    else:
        assert got <= want


@pytest.mark.parametrize("seed", SEEDS)
def test_flow_bounds_hold_and_are_reached_when_ceilings_allow(seed: int) -> None:
    """Each bound is at least the true fill; the flow's own plan reaches every bound."""
    doc, options = random_small_dict(seed)
    scenario = scenario_from_dict(doc)
    s = Sourcer(scenario)
    c = s.comp
    upper = c.pair_upper(options)
    cols = np.flatnonzero(upper > 0)
    if cols.size == 0:
        return
    levels = s._levels(cols, upper[cols])
    flow = lex_max_flow(c, upper, [m for _, m in levels])
    assert flow is not None
    want = brute_force(scenario, options)
    # brute_force lists every priority present; the flow only levels with a usable pair.
    prios = sorted({r.priority for r in scenario.requirements})
    true_fill = dict(zip(prios, want[:-1], strict=True))
    level_prio = [int(name.split()[-1]) for name, _ in levels]
    # Units per pair within bounds, per pledge within its quantity, per line within its need.
    assert np.all(flow.x >= 0) and np.all(flow.x <= upper)
    assert np.all(np.bincount(c.e_p, flow.x, c.p_qty.size) <= c.p_qty)
    filled = np.bincount(c.e_r, flow.x, c.r_qty.size)
    assert np.all(filled <= c.r_qty)
    assert [float(m @ filled) for _, m in levels] == flow.bounds
    # The first bound holds outright; a later one while the levels before it keep the
    # true optimum's fills, which is the case whenever those equal their bounds.
    for bound, prio in zip(flow.bounds, level_prio, strict=True):
        assert bound >= true_fill[prio]
        if bound > true_fill[prio]:
            break
    if flow.keeps_ceilings(c, c.ceilings(options)):
        assert flow.bounds == [true_fill[p] for p in level_prio]


@pytest.mark.parametrize("tightness", [1.0])
@pytest.mark.parametrize("seed", range(3))
def test_flow_route_matches_lp_fill_stages(
    seed: int, tightness: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same fills and cost as the LP fill stages, both proven, on mid-sized scenarios.

    (The fallback when the flow breaks a ceiling is checked on the tiny cases above.)
    """
    scenario = synthetic_scenario(
        8, 200, 50, capabilities=8, ceiling_tightness=tightness, seed=seed
    )
    options = SourcingOptions()
    monkeypatch.setattr(solver_mod, "FLOW_PAIR_MIN", 10**12)
    by_lp = Sourcer(scenario).solve(options)
    monkeypatch.setattr(solver_mod, "FLOW_PAIR_MIN", 0)
    by_flow = Sourcer(scenario).solve(options)
    assert by_lp.status == by_flow.status == "optimal"
    assert by_flow.fill_by_priority == by_lp.fill_by_priority
    assert by_flow.cost == pytest.approx(by_lp.cost, rel=1e-12)
    assert check_plan(scenario, options, by_flow) == []


def test_flow_refuses_fractional_quantities() -> None:
    doc, options = random_small_dict(3)
    s = Sourcer(scenario_from_dict(doc))
    upper = s.comp.pair_upper(options) * 0.5 + 0.25
    assert lex_max_flow(s.comp, upper, [np.ones(s.comp.r_qty.size)]) is None


@pytest.mark.parametrize("seed", range(2))
def test_flow_route_whatifs_on_a_kept_sourcer_equal_cold_solves(
    seed: int, flow_always: None
) -> None:
    """Withdrawing each of several nations: the same assignments as a solve from scratch."""
    scenario = synthetic_scenario(8, 200, 50, capabilities=8, seed=seed)
    kept = Sourcer(scenario)
    base = kept.solve(SourcingOptions())
    nations = [b.nation for b in base.burden[:4]]
    for options in [SourcingOptions(withdraw=(n,)) for n in nations] + [SourcingOptions()]:
        again = kept.solve(options)
        cold = Sourcer(scenario).solve(options)
        assert again.status == cold.status == "optimal"
        assert again.assignments == cold.assignments, options.withdraw
        assert check_plan(scenario, options, again) == []
