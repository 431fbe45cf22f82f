"""The second objective is counted from the plan and bounded honestly at any time limit."""

from __future__ import annotations

import numpy as np
import pytest

from forcegen.exercises._line_phase import count_lines
from forcegen.exercises.cpsat import solve_cpsat
from forcegen.exercises.problem import greedy_schedule

from ._check import lines_in_time, random_problem, violations
from .test_schedule import brute_force


@pytest.mark.parametrize("seed", range(20))
def test_count_lines_agrees_with_the_independent_count(seed: int) -> None:
    p = random_problem(np.random.default_rng(100 + seed), n=5, units=6)
    s = greedy_schedule(p)
    assert count_lines(p, s) == lines_in_time(p, s)


@pytest.mark.parametrize("seed", range(8))
def test_lines_reported_are_the_plans_and_the_bound_holds(seed: int) -> None:
    """Whatever the time limit, ``lines`` is what the schedule certifies and ``lines_bound``
    is at least the best any schedule of that value reaches (brute force)."""
    p = random_problem(np.random.default_rng(seed), n=3)
    best_value, best_lines = brute_force(p)
    for limit in (0.05, 10.0):
        plan = solve_cpsat(p, time_limit=limit)
        assert violations(p, plan.schedule) == []
        assert plan.lines == lines_in_time(p, plan.schedule)
        if plan.value == best_value:
            assert plan.lines_bound >= best_lines
        assert plan.lines_proven == (plan.lines == plan.lines_bound)


def test_lines_held_through_the_later_phases_when_the_value_plan_has_them_all() -> None:
    """The value plan already certifies every line that can be (unit 0, the line's only
    unit, takes part): the travel phase may not trade the line for the nearer unit 1."""
    import dataclasses

    p = random_problem(np.random.default_rng(0), n=1, units=2, areas=1, caps=1)
    p = dataclasses.replace(
        p, needs=[[(1, [0, 1])]], areas=[[0]], preds=[[]], dur=np.array([1]),
        lo=np.array([0]), hi=np.array([3]), blocked=np.zeros((2, 6), dtype=bool),
        capacity=np.array([1]), certifies=[[0]], lines=[(1, 6, [0], [0])], line_ids=["R"],
        preheld=set(), travel_km=np.array([[50], [5]], dtype=np.int64))
    plan = solve_cpsat(p, time_limit=10)
    assert plan.schedule.units[0] == [[0]]
    assert plan.lines == 1 and lines_in_time(p, plan.schedule) == 1
