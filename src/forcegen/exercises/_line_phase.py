"""Phase 2 of :func:`forcegen.exercises.cpsat.solve_cpsat`: the most lines certified in time.

The value phase's plan is held (value at least its value). The full model, hinted with that
plan, searches for the rest of the phase's time and gives the proven bound.

The count reported is always recounted from the plan (:func:`count_lines`), never taken from a
solver that found nothing (at 300 exercises and 2,000 units CP-SAT once found no plan in this
phase and 0 lines were reported, where the plan held certified 7); the bound is the smaller of
CP-SAT's proven bound and the number of lines any schedule could certify
(:func:`forcegen.exercises.lines.line_literals` creates a literal only for those).

A neighbourhood step (only the exercises that could certify a line free to move, the others
fixed) was tried first and dropped: in three runs at that scale it certified no more lines
than the value plan in 9-16 s, where the full model found two more in 28 s.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from forcegen.exercises.lines import line_literals
from forcegen.exercises.problem import ExerciseProblem, Schedule

__all__ = ["count_lines", "line_phase"]


def count_lines(p: ExerciseProblem, s: Schedule) -> int:
    """Lines with at least their quantity of units holding every certification in time."""
    got: dict[int, dict[int, int]] = {}  # unit -> certification -> first week held
    for e in np.flatnonzero(s.start >= 0):
        end = int(s.start[e] + p.dur[e])
        for need in s.units[e]:
            for u in need:
                mine = got.setdefault(u, {})
                for c in p.certifies[e] if p.certifies else ():
                    mine[c] = min(mine.get(c, end), end)
    count = 0
    for k, (q, last, certs, units) in enumerate(p.lines):
        ok = sum(1 for u in units if all((u, c, k) in p.preheld or got.get(u, {}).get(c, last + 1)
                                         <= last for c in certs))
        count += ok >= q
    return count


def _solve(model: cp_model.CpModel, seconds: float, workers: int) -> cp_model.CpSolver:
    s = cp_model.CpSolver()
    s.parameters.max_time_in_seconds = max(0.05, seconds)
    s.parameters.num_workers = workers
    s.parameters.random_seed = 0
    return s


def line_phase(m: cp_model.CpModel, p: ExerciseProblem, v: dict[str, Any], best: Schedule,
               plan: Any, deadline: float, workers: int,
               read: Any, hint: Any) -> Schedule:
    """Most lines certified in time at the value held; ``plan`` gets count, bound and proof.

    ``read`` and ``hint`` are :mod:`.cpsat`'s schedule reader and hint setter. The phase's
    result is held as a constraint on ``m`` for the phases after it.
    """
    plan.lines = count_lines(p, best)
    plan.lines_steps.append({"step": "value plan", "lines": plan.lines})
    lines = line_literals(m, p, v)
    plan.lines_bound, plan.lines_proven = len(lines), len(lines) == plan.lines
    if not lines:
        return best
    total = sum(lines)
    if plan.lines_proven:  # every line that can be is certified: hold that for later phases
        m.add(total >= plan.lines)
        return best
    m.maximize(total)
    t1 = time.perf_counter()
    hint(m, v, best)
    s2 = _solve(m, (deadline - time.perf_counter()) * 0.5, workers)
    status = s2.solve(m)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        cand = read(p, s2, v)
        if count_lines(p, cand) >= plan.lines:
            best, plan.lines = cand, count_lines(p, cand)
            plan.schedule = best
        plan.lines_bound = min(plan.lines_bound, int(np.floor(s2.best_objective_bound + 1e-6)))
    plan.lines_steps.append({"step": "full model", "lines": plan.lines,
                             "bound": plan.lines_bound,
                             "seconds": round(time.perf_counter() - t1, 2)})
    plan.lines_bound = max(plan.lines_bound, plan.lines)
    plan.lines_proven = plan.lines == plan.lines_bound
    m.add(total >= plan.lines)
    return best
