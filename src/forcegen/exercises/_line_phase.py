"""Phase 2 of :func:`forcegen.exercises.cpsat.solve_cpsat`: the most lines certified in time.

The value phase's plan is held (value at least its value). On a large programme the full
model is too big for CP-SAT to improve within the seconds left (300 exercises, 2,000 units:
it found no plan at all and reported 0 lines), so the phase runs in two steps:

1. **Neighbourhood.** A copy of the model in which every exercise that could certify no line
   keeps the week, area and held state of the current plan (its units stay free to change);
   only the exercises that could certify a line move. Small, so CP-SAT solves it quickly; its
   plan is feasible for the full model.
2. **Full model**, hinted with the best plan so far, for the rest of the time: it may find
   more and gives the proven bound.

The count reported is always recounted from the plan (:func:`count_lines`), never taken from a
solver that found nothing; the bound is the smaller of CP-SAT's proven bound on the full model
and the number of lines any schedule could certify (:func:`forcegen.exercises.lines.
line_literals` creates a literal only for those).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from forcegen.exercises.lines import line_literals
from forcegen.exercises.problem import ExerciseProblem, Schedule

__all__ = ["count_lines", "line_phase", "relevant_exercises"]


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


def relevant_exercises(p: ExerciseProblem) -> set[int]:
    """Exercises that certify something a line asks, with a unit of that line's capability."""
    out = set()
    for _, _, certs, units in p.lines:
        mine = set(units)
        for e in range(p.n):
            if set(p.certifies[e]) & set(certs) and any(
                    mine.intersection(cands) for _, cands in p.needs[e]):
                out.add(e)
    return out


def _fixed_copy(m: cp_model.CpModel, p: ExerciseProblem, v: dict[str, Any], best: Schedule,
                free: set[int]) -> cp_model.CpModel:
    """The model with every exercise outside ``free`` held, placed and timed as in ``best``."""
    m2 = m.clone()
    for e in range(p.n):
        if e in free:
            continue
        on = bool(best.start[e] >= 0)
        m2.add(m2.get_bool_var_from_proto_index(v["held"][e].index) == int(on))
        if on:
            m2.add(m2.get_int_var_from_proto_index(v["start"][e].index) == int(best.start[e]))
            for a, x in v["area"][e]:
                m2.add(m2.get_bool_var_from_proto_index(x.index) == int(a == best.area[e]))
    return m2


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
    t0 = time.perf_counter()
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
    free = relevant_exercises(p)
    if len(free) < p.n:  # step 1: only the exercises that could certify a line move
        m2 = _fixed_copy(m, p, v, best, free)
        hint(m2, v, best)
        s1 = _solve(m2, (deadline - time.perf_counter()) * 0.25, workers)
        if s1.solve(m2) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            cand = read(p, s1, v)
            if count_lines(p, cand) > plan.lines:
                best, plan.lines = cand, count_lines(p, cand)
                plan.schedule = best
        plan.lines_steps.append({"step": f"neighbourhood ({len(free)} exercises free)",
                                 "lines": plan.lines,
                                 "seconds": round(time.perf_counter() - t0, 2)})
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
