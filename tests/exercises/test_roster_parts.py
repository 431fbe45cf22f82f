"""The roster's stages by capability and the swaps that join them.

Checked against brute force over every roster of small cases (all four stages), and at a size
where the whole model is slow, from the roster returned alone: it rests, covers what it says,
and every stage the parts prove is at its bound.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest

from forcegen.exercises._roster_milp import solve_roster
from forcegen.exercises._roster_parts import (
    burdens,
    canonical_swaps,
    canonical_within,
    rebalance,
)
from forcegen.exercises.roster import RosterProblem, greedy_roster


def _problem(rng: np.random.Generator, units: int, caps: int, months: int, tour: int,
             rest: int, nations: int, p_tour: float = 0.7) -> RosterProblem:
    unit_cap = np.arange(units) % caps
    tu, ts = [], []
    for u in range(units):
        for m in range(months):
            if rng.random() < p_tour:
                tu.append(u)
                ts.append(m)
    ts_arr = np.array(ts, dtype=np.int64)
    return RosterProblem(
        months=months, tour_months=tour, rest_months=rest, caps=[f"C{c}" for c in range(caps)],
        need=rng.integers(1, max(2, units // caps // 2 + 1), caps).astype(np.int64),
        unit_ids=[f"U{u:03d}" for u in range(units)], unit_cap=unit_cap.astype(np.int64),
        unit_nation=[f"N{int(x)}" for x in rng.integers(0, nations, units)],
        tour_unit=np.array(tu, dtype=np.int64), tour_start=ts_arr,
        tour_len=np.minimum(tour, months - ts_arr))


def _rests(p: RosterProblem, chosen: np.ndarray) -> bool:
    return all(p.tour_unit[a] != p.tour_unit[b]
               or abs(int(p.tour_start[a]) - int(p.tour_start[b])) >= p.span
               for a, b in itertools.combinations(chosen, 2))


def _key(p: RosterProblem, chosen: np.ndarray) -> tuple[int, int, int, int]:
    """The four stages' values of a roster: shortfall, top burden, tours, canonical weight."""
    return (p.shortfall(chosen), max(burdens(p, chosen).values(), default=0), len(chosen),
            int((np.asarray(chosen) + 1).sum()))


def _brute(p: RosterProblem) -> tuple[int, int, int, int]:
    best = (10**9,) * 4
    for mask in range(1 << p.tour_unit.size):
        chosen = np.array([j for j in range(p.tour_unit.size) if mask >> j & 1], np.int64)
        if _rests(p, chosen):
            best = min(best, _key(p, chosen))
    return best


@pytest.mark.parametrize("seed", range(16))
def test_every_stage_equals_brute_force(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    p = _problem(rng, units=int(rng.integers(3, 6)), caps=int(rng.integers(1, 3)),
                 months=int(rng.integers(3, 6)), tour=int(rng.integers(1, 3)),
                 rest=int(rng.integers(0, 2)), nations=2, p_tour=0.5)
    if p.tour_unit.size > 15:
        pytest.skip("too many tours to enumerate")
    plan = solve_roster(p, time_limit=20)
    assert all(s["proven"] for s in plan.stages)
    assert _rests(p, plan.chosen)
    assert tuple(int(s["value"]) for s in plan.stages) == _key(p, plan.chosen) == _brute(p)


def test_swaps_keep_coverage_and_rest_and_lower_the_burden() -> None:
    p = _problem(np.random.default_rng(3), units=120, caps=4, months=12, tour=3, rest=2,
                 nations=5)
    start = greedy_roster(p)
    top = max(burdens(p, start).values())
    bal = rebalance(p, start, 0)
    assert _rests(p, bal)
    assert np.array_equal(p.coverage(bal), p.coverage(start))
    assert max(burdens(p, bal).values()) < top  # the greedy roster is not balanced here
    held = max(burdens(p, bal).values())
    canon = canonical_swaps(p, bal, held)
    assert _rests(p, canon)
    assert np.array_equal(p.coverage(canon), p.coverage(start))
    assert max(burdens(p, canon).values()) <= held
    assert (canon + 1).sum() < (bal + 1).sum()
    assert np.array_equal(rebalance(p, start, 0), bal)  # deterministic
    # Each capability again within its nations' share: nothing held gets worse.
    within = canonical_within(p, canon, time.perf_counter() + 60)
    assert _rests(p, within)
    for c in range(len(p.caps)):
        def of(ch: np.ndarray, cap: int = c) -> np.ndarray:
            return ch[p.unit_cap[p.tour_unit[ch]] == cap]
        assert of(within).size <= of(canon).size
        for n, b in burdens(p, of(within)).items():
            assert b <= burdens(p, of(canon)).get(n, 0)
    assert p.shortfall(within) <= p.shortfall(canon)
    assert (within + 1).sum() <= (canon + 1).sum()


def test_stages_proven_by_parts_at_a_size_the_joined_model_finds_slow() -> None:
    p = _problem(np.random.default_rng(11), units=400, caps=8, months=12, tour=3, rest=3,
                 nations=6)
    plan = solve_roster(p, time_limit=120)
    stages = {s["stage"]: s for s in plan.stages}
    assert plan.status == "optimal"
    for name in ("shortfall", "largest nation burden", "tours"):
        assert stages[name]["proven"] and stages[name]["value"] == stages[name]["bound"]
    assert stages["largest nation burden"]["by"] == "parts"
    assert _rests(p, plan.chosen)
    short, top, tours, canon = _key(p, plan.chosen)
    assert (short, top, tours) == (plan.shortfall, stages["largest nation burden"]["value"],
                                   stages["tours"]["value"])
    assert canon == stages["canonical"]["value"] >= stages["canonical"]["bound"]
    # The mean over the nations bounds the top burden: the plan's top is at that mean.
    total = sum(burdens(p, plan.chosen).values())
    assert top == -(-total // len(set(p.unit_nation)))
