"""Schedules are feasible (checked independently), optimal against brute force on tiny cases,
and CP-SAT and the HiGHS time-indexed MILP agree on the optimum of small ones."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from forcegen.exercises.cpsat import solve_cpsat
from forcegen.exercises.milp import solve_milp_value
from forcegen.exercises.problem import ExerciseProblem, Schedule, greedy_schedule

from ._check import lines_in_time, random_problem, violations


def _options(p: ExerciseProblem, e: int) -> list[tuple[int, int, list[list[int]]]]:
    out = []
    for t in range(int(p.lo[e]), int(p.hi[e]) + 1):
        for a in p.areas[e]:
            per_need = [list(itertools.combinations(c, q)) for q, c in p.needs[e]]
            for pick in itertools.product(*per_need):
                out.append((t, a, [list(x) for x in pick]))
    return out


def brute_force(p: ExerciseProblem) -> tuple[int, int]:
    """Best (value, lines certified in time) over every assignment, lexicographic, each
    assignment checked with the independent checker."""
    best = (0, 0)
    start = np.full(p.n, -1, dtype=np.int64)
    area = np.full(p.n, -1, dtype=np.int64)
    units: list[list[list[int]]] = [[] for _ in range(p.n)]

    def rec(e: int) -> None:
        nonlocal best
        if e == p.n:
            s = Schedule(start.copy(), area.copy(), [list(x) for x in units])
            best = max(best, (int(p.value[start >= 0].sum()), lines_in_time(p, s)))
            return
        rec(e + 1)  # not held
        for t, a, pick in _options(p, e):
            start[e], area[e], units[e] = t, a, pick
            part = Schedule(np.where(np.arange(p.n) <= e, start, -1), area, units)
            if not violations(p, part):
                rec(e + 1)
            start[e], area[e], units[e] = -1, -1, []

    rec(0)
    return best


@pytest.mark.parametrize("seed", range(16))
def test_cpsat_matches_brute_force_and_is_feasible(seed: int) -> None:
    p = random_problem(np.random.default_rng(seed), n=3)
    plan = solve_cpsat(p, time_limit=10)
    assert violations(p, plan.schedule) == []
    assert plan.status == "optimal"
    assert (plan.value, lines_in_time(p, plan.schedule)) == brute_force(p)
    assert plan.value == plan.schedule.value(p) == plan.bound
    assert plan.lines == plan.lines_bound == lines_in_time(p, plan.schedule)


@pytest.mark.parametrize("seed", range(8))
def test_cpsat_and_milp_agree_on_small_cases(seed: int) -> None:
    p = random_problem(np.random.default_rng(100 + seed), n=6, units=6, weeks=9)
    a = solve_cpsat(p, time_limit=10)
    b = solve_milp_value(p, time_limit=10)
    assert a.status == b.status == "optimal"
    assert violations(p, a.schedule) == [] and violations(p, b.schedule) == []
    assert a.value == b.value == b.schedule.value(p)


def test_lines_certified_in_time_beat_the_earliest_start_tie_break() -> None:
    """One unit; X (1 week) and Y (2 weeks, certifies C) are worth the same. Earliest starts
    alone would put X first (starts 0 + 1); the line needs C by the end of week 2, so Y must
    go first (starts 0 + 2)."""
    p = ExerciseProblem(
        ids=["X", "Y"], dur=np.array([1, 2]), value=np.array([1, 1]), lo=np.array([0, 0]),
        hi=np.array([5, 5]), areas=[[0], [0]], needs=[[(1, [0])], [(1, [0])]], preds=[[], []],
        area_ids=["a"], capacity=np.array([2]), unit_ids=["u"],
        blocked=np.zeros((1, 8), dtype=bool), rest=0, certifies=[[], [0]], cert_ids=["C"],
        lines=[(1, 2, [0], [0])], line_ids=["R"])
    plan = solve_cpsat(p, time_limit=5)
    assert plan.schedule.start.tolist() == [2, 0] and plan.lines == 1
    late = ExerciseProblem(**{**p.__dict__, "lines": [(1, 1, [0], [0])]})  # impossible
    plan = solve_cpsat(late, time_limit=5)
    assert plan.schedule.start.tolist() == [0, 1] and plan.lines == 0


@pytest.mark.parametrize("seed", range(10))
def test_greedy_is_feasible_and_below_the_optimum(seed: int) -> None:
    p = random_problem(np.random.default_rng(200 + seed), n=7, units=6, weeks=10)
    g = greedy_schedule(p)
    assert violations(p, g) == []
    assert g.value(p) <= solve_cpsat(p, time_limit=10).value


def test_checker_catches_each_broken_rule() -> None:
    """The checker itself must see violations, or the tests above prove nothing."""
    p = ExerciseProblem(
        ids=["A", "B"], dur=np.array([2, 1]), value=np.array([1, 1]), lo=np.array([0, 0]),
        hi=np.array([3, 3]), areas=[[0], [0]], needs=[[(1, [0, 1])], [(1, [0, 1])]],
        preds=[[], [0]], area_ids=["x"], capacity=np.array([1]), unit_ids=["u0", "u1"],
        blocked=np.zeros((2, 8), dtype=bool), rest=1)
    ok = Schedule(np.array([0, 3]), np.array([0, 0]), [[[0]], [[0]]])
    assert violations(p, ok) == []
    assert violations(p, Schedule(np.array([0, 2]), np.array([0, 0]), [[[0]], [[0]]]))  # rest
    assert violations(p, Schedule(np.array([1, 0]), np.array([0, 0]), [[[0]], [[1]]]))  # after
    assert violations(p, Schedule(np.array([-1, 2]), np.array([-1, 0]), [[], [[1]]]))
    free = ExerciseProblem(**{**p.__dict__, "preds": [[], []]})
    assert violations(free, Schedule(np.array([0, 3]), np.array([0, 0]), [[[0]], [[1]]])) == []
    assert violations(free, Schedule(np.array([0, 1]), np.array([0, 0]), [[[0]], [[1]]]))  # area
    blocked = p.blocked.copy()
    blocked[0, 4] = True
    q = ExerciseProblem(**{**p.__dict__, "blocked": blocked})
    assert violations(q, ok)  # u0 rests into a blocked week


def test_rest_and_unavailability_are_enforced_by_the_solver() -> None:
    """One unit, two exercises, rest 2: the second cannot start before week 1 + 2 = 3, and a
    blocked week 3 pushes it to 4."""
    blocked = np.zeros((1, 10), dtype=bool)
    p = ExerciseProblem(
        ids=["A", "B"], dur=np.array([1, 1]), value=np.array([1, 1]), lo=np.array([0, 0]),
        hi=np.array([0, 6]), areas=[[0], [0]], needs=[[(1, [0])], [(1, [0])]], preds=[[], []],
        area_ids=["x"], capacity=np.array([2]), unit_ids=["u"], blocked=blocked, rest=2)
    plan = solve_cpsat(p, time_limit=5)
    assert plan.schedule.start.tolist() == [0, 3]  # earliest start is the tie-break
    blocked[0, 5] = True  # B at 3 would rest through week 5
    plan = solve_cpsat(p, time_limit=5)
    assert plan.schedule.start.tolist() == [0, 6]
