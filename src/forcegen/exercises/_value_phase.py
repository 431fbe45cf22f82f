"""Phase 1 of :func:`forcegen.exercises.cpsat.solve_cpsat`: the most value of exercises held.

Measured at 300 exercises and 2,000 units (bench/exercises_compare.py, ``--value-stage``): the
full CP-SAT model (19,000 variables, 0.25 CPU s to build) needs 5-10 CPU s of search to prove
the optimum, and a loaded machine may not give it that within the limit (it then found nothing
better than the greedy plan). The units-pooled model on HiGHS (:mod:`.aggregate`, ~4,500
columns) proves a bound and gives a plan reaching it in 0.3-0.4 CPU s. So the stage runs:

1. the pooled model (at most half of the stage's time), its plan staffed unit by unit and
   filled in (:func:`.aggregate.fill_in`); the better of it and the greedy plan is kept;
2. only when that plan is short of the pooled bound, the full model, hinted with the plan and
   told the bound (``value <= bound``), for the rest of the stage's time.

The bound reported is the smaller of the pooled bound and CP-SAT's; the plan is always one
whose units were assigned and checked by construction, never the solver's count alone.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from forcegen.exercises.aggregate import fill_in, value_bound
from forcegen.exercises.problem import ExerciseProblem, Schedule

__all__ = ["value_phase"]


def value_phase(m: cp_model.CpModel, p: ExerciseProblem, v: dict[str, Any], total: Any,
                greedy: Schedule, plan: Any, seconds: float, workers: int,
                read: Any, hint: Any) -> tuple[Schedule, bool]:
    """The best value found within ``seconds`` and whether it is proven; ``plan`` updated.

    ``read`` and ``hint`` are :mod:`.cpsat`'s schedule reader and hint setter; ``total`` is
    the value expression on ``m``. Sets ``plan.value``, ``plan.bound``, ``plan.schedule`` and
    ``plan.value_steps``.
    """
    t0 = time.perf_counter()
    c0 = time.process_time()
    best = greedy
    plan.value_steps.append({"step": "greedy", "value": greedy.value(p)})
    agg = value_bound(p, seconds / 2)
    plan.bound = min(plan.bound, agg.bound)
    if agg.schedule is not None:
        cand = fill_in(p, agg.schedule)
        if cand.value(p) > best.value(p):
            best = cand
    plan.value_steps.append({
        "step": "pooled model (HiGHS) + staffing", "status": agg.status, "bound": agg.bound,
        "pooled_value": agg.relaxed_value, "value": best.value(p), "columns": agg.columns,
        "dropped": len(agg.dropped), "seconds": round(time.perf_counter() - t0, 3),
        "cpu_seconds": round(time.process_time() - c0, 3)})
    plan.schedule, plan.value = best, best.value(p)
    if plan.value >= plan.bound:
        return best, True
    t1, c1 = time.perf_counter(), time.process_time()
    m.maximize(total)
    m.add(total <= plan.bound)  # a proven bound: CP-SAT need only reach it
    hint(m, v, best)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, seconds - (t1 - t0))
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = 0
    status = solver.solve(m)
    step: dict[str, Any] = {"step": "full model (CP-SAT)", "status": solver.status_name(status)}
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        cand = read(p, solver, v)
        if cand.value(p) > best.value(p):
            best = cand
        if status == cp_model.OPTIMAL:
            plan.bound = min(plan.bound, cand.value(p))
        else:
            plan.bound = min(plan.bound, int(np.floor(solver.best_objective_bound + 1e-6)))
    plan.schedule, plan.value = best, best.value(p)
    plan.bound = max(plan.bound, plan.value)
    step.update(value=plan.value, bound=plan.bound, seconds=round(time.perf_counter() - t1, 3),
                cpu_seconds=round(time.process_time() - c1, 3))
    plan.value_steps.append(step)
    return best, plan.value >= plan.bound
