"""The value stage's pooled bound (units aggregated by candidate list, HiGHS) and its plans.

The bound must hold for every schedule (checked by brute force on tiny programmes and against
the full CP-SAT model's proven optimum on generated ones); every plan read from it is checked
with the independent checker; the stage must stay exact when the pooled plan falls short and
CP-SAT has to search.
"""

from __future__ import annotations

import numpy as np
import pytest
from ortools.sat.python import cp_model

from forcegen.exercises import _value_phase, aggregate
from forcegen.exercises.aggregate import assign_units, fill_in, pools, value_bound
from forcegen.exercises.cpsat import _build, _solver, solve_cpsat
from forcegen.exercises.problem import ExerciseProblem, Schedule, greedy_schedule

from ._check import random_problem, violations
from .test_schedule import brute_force


def _generated(seed: int, n: int, units: int, caps: int, areas: int = 4) -> ExerciseProblem:
    """A programme like bench/exercises_compare.py's, small enough for CP-SAT to prove."""
    rng = np.random.default_rng(seed)
    weeks = 20
    dur = rng.integers(1, 4, n)
    lo = rng.integers(0, weeks - 6, n)
    hi = np.maximum(np.minimum(lo + rng.integers(1, 6, n), weeks - dur), lo)
    u_cap = np.arange(units) % caps
    needs = [[(int(rng.integers(1, 3)), [int(u) for u in np.flatnonzero(u_cap == k)])
              for k in rng.choice(caps, size=int(rng.integers(1, 3)), replace=False)]
             for _ in range(n)]
    preds = [[i for i in range(j) if lo[i] + dur[i] <= hi[j] and rng.random() < 0.1]
             for j in range(n)]
    horizon = int((hi + dur).max()) + 1
    blocked = rng.random((units, horizon)) < 0.15
    return ExerciseProblem(
        ids=[f"E{i:02d}" for i in range(n)], dur=dur.astype(np.int64),
        value=rng.integers(1, 10, n).astype(np.int64), lo=lo.astype(np.int64),
        hi=hi.astype(np.int64),
        areas=[sorted(rng.choice(areas, size=int(rng.integers(1, 3)), replace=False).tolist())
               for _ in range(n)],
        needs=needs, preds=preds, area_ids=[f"A{a}" for a in range(areas)],
        capacity=rng.integers(1, 3, areas).astype(np.int64),
        unit_ids=[f"U{u:03d}" for u in range(units)], blocked=blocked, rest=1)


def _cpsat_optimum(p: ExerciseProblem) -> int:
    """The full model's proven optimum, searched from scratch (no pooled bound, no hint)."""
    m, v = _build(p)
    m.maximize(sum(int(p.value[e]) * v["held"][e] for e in range(p.n)))
    s = _solver(60, 2)
    assert s.solve(m) == cp_model.OPTIMAL
    return round(s.objective_value)


@pytest.mark.parametrize("seed", range(12))
def test_pooled_bound_holds_against_brute_force(seed: int) -> None:
    p = random_problem(np.random.default_rng(seed), n=3)
    best = brute_force(p)[0]
    agg = value_bound(p, 10)
    assert agg.bound >= best
    assert agg.schedule is not None
    assert violations(p, agg.schedule) == []
    assert agg.schedule.value(p) <= best
    filled = fill_in(p, agg.schedule)
    assert violations(p, filled) == []
    assert agg.schedule.value(p) <= filled.value(p) <= best


@pytest.mark.parametrize("seed", range(6))
def test_pooled_bound_against_the_full_models_optimum(seed: int) -> None:
    # Scarce units (2-3 a capability, 15 % of weeks blocked): staffing can fail here.
    p = _generated(seed, n=14, units=14, caps=5)
    opt = _cpsat_optimum(p)
    agg = value_bound(p, 20)
    assert agg.status == "optimal"
    assert agg.bound >= opt
    assert agg.relaxed_value == agg.bound  # pooled optimum reached: the bound is its value
    assert agg.schedule is not None and violations(p, agg.schedule) == []
    plan = solve_cpsat(p, time_limit=30)
    assert violations(p, plan.schedule) == []
    assert plan.status == "optimal" and plan.value == plan.bound == opt


def test_bound_is_tight_where_units_are_plenty() -> None:
    # Plenty of units: pooling loses nothing, the pooled plan is staffed and proves the stage.
    p = _generated(3, n=30, units=120, caps=4, areas=2)
    agg = value_bound(p, 20)
    assert agg.dropped == [] and agg.schedule is not None
    assert agg.schedule.value(p) == agg.bound == _cpsat_optimum(p)
    assert agg.bound < int(p.value.sum())  # areas bind: the bound says something


def test_pools_group_identical_candidate_lists() -> None:
    p = random_problem(np.random.default_rng(1), n=4)
    members, need = pools(p)
    for e in range(p.n):
        want: dict[tuple[int, ...], int] = {}
        for q, cands in p.needs[e]:
            want[tuple(sorted(cands))] = want.get(tuple(sorted(cands)), 0) + q
        assert {tuple(members[k].tolist()): q for k, q in need[e].items()} == want


def test_staffing_keeps_long_free_runs_for_later() -> None:
    # Unit 0 is free in weeks 0-1 only, unit 1 always. X (weeks 0-1) must take unit 0 so that
    # Y (weeks 1-3) can have unit 1; the first free unit by id would be right by luck, so the
    # ids are swapped against it: unit 0 is the always free one.
    blocked = np.zeros((2, 6), dtype=bool)
    blocked[0, 2:] = False
    blocked[1, 2:] = True
    p = ExerciseProblem(
        ids=["X", "Y"], dur=np.array([2, 3]), value=np.array([1, 1]), lo=np.array([0, 1]),
        hi=np.array([0, 1]), areas=[[0], [1]], needs=[[(1, [0, 1])], [(1, [0, 1])]],
        preds=[[], []], area_ids=["A0", "A1"], capacity=np.array([1, 1]),
        unit_ids=["U0", "U1"], blocked=blocked, rest=0)
    s, dropped = assign_units(p, np.array([0, 1]), np.array([0, 1]))
    assert dropped == []
    assert s.units == [[[1]], [[0]]]
    assert violations(p, s) == []


def test_fill_in_inserts_what_fits_and_moves_nothing() -> None:
    p = _generated(5, n=20, units=40, caps=4)
    g = greedy_schedule(p)
    empty = Schedule(np.full(p.n, -1, np.int64), np.full(p.n, -1, np.int64),
                     [[] for _ in range(p.n)])
    filled = fill_in(p, empty)
    assert violations(p, filled) == [] and filled.value(p) > 0
    again = fill_in(p, g)
    assert violations(p, again) == []
    held = g.start >= 0
    assert (again.start[held] == g.start[held]).all() and (again.area[held] == g.area[held]).all()
    assert again.value(p) >= g.value(p)


@pytest.mark.parametrize("seed", range(8))
def test_value_stage_stays_exact_when_the_pooled_plan_falls_short(
        seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # The pooled plan thrown away (as if staffing had failed everywhere): CP-SAT must search
    # from the greedy plan, with the pooled bound as a constraint, and still prove the optimum.
    monkeypatch.setattr(_value_phase, "fill_in", lambda p, s: Schedule(
        np.full(p.n, -1, np.int64), np.full(p.n, -1, np.int64), [[] for _ in range(p.n)]))
    p = random_problem(np.random.default_rng(100 + seed), n=3)
    plan = solve_cpsat(p, time_limit=10)
    best = brute_force(p)[0]
    assert violations(p, plan.schedule) == []
    assert plan.status == "optimal" and plan.value == plan.bound == best
    if greedy_schedule(p).value(p) < plan.bound:
        assert plan.value_steps[-1]["step"] == "full model (CP-SAT)"


def test_value_stage_without_the_pooled_model_reports_an_honest_bound(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # HiGHS out of time before any plan or bound: the stage falls back to CP-SAT alone.
    def nothing(p: ExerciseProblem, seconds: float) -> aggregate.AggregateBound:
        return aggregate.AggregateBound(int(p.value.sum()), "unknown", None, 0, 0, 0.0, [])

    monkeypatch.setattr(_value_phase, "value_bound", nothing)
    p = _generated(2, n=14, units=14, caps=5)
    plan = solve_cpsat(p, time_limit=30)
    assert violations(p, plan.schedule) == []
    assert plan.bound >= _cpsat_optimum(p) >= plan.value
    assert plan.status == ("optimal" if plan.value == plan.bound else "feasible")


def test_the_example_reports_how_its_value_was_proven() -> None:
    from pathlib import Path

    from forcegen.exercises import load_programme, plan_exercises

    ex = Path(__file__).resolve().parents[2] / "examples" / "bng-nzl-exercises"
    doc = plan_exercises(load_programme(ex), time_limit=20).to_dict()
    steps = doc["value_steps"]
    assert [s["step"] for s in steps[:2]] == ["greedy", "pooled model (HiGHS) + staffing"]
    assert steps[0]["value"] == doc["baseline"]["value"]
    assert steps[1]["bound"] >= doc["bound"] >= doc["value"] == max(s["value"] for s in steps)
