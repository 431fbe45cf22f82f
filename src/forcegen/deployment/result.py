"""Run a deployment plan and shape it as a time-phased force list (TPFDD terms)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

from forcegen.deployment.command import idle_rules, transfers
from forcegen.deployment.cpsat import Plan, solve_cpsat
from forcegen.deployment.explain import closure_by, critical_chain, late_reasons
from forcegen.deployment.model import Deployment
from forcegen.deployment.problem import Problem, from_deployment, serial_schedule
from forcegen.exceptions import OptionError

__all__ = ["DeploymentResult", "Method", "plan_deployment"]

Method = Literal["cp-sat", "highs", "greedy"]


@dataclass
class DeploymentResult:
    """A deployment, its problem arrays and the plan found."""

    deployment: Deployment
    problem: Problem
    plan: Plan

    def rows(self) -> list[dict[str, Any]]:
        """One row per unit line, in planned start order."""
        p, plan, dep = self.problem, self.plan, self.deployment
        out = []
        for i, m in enumerate(dep.movements):
            start = None if plan.start is None else int(plan.start[i])
            arrive = None if start is None else start + int(p.dur[i])
            late = 0
            if arrive is not None and m.required is not None:
                late = max(0, arrive - m.required)
            modes = sorted({x.mode for x in dep.lift if x.id in m.lift and m.lift[x.id] > 0})
            out.append({
                "id": m.id, "unit": m.unit, "origin": m.origin, "poe": m.poe, "pod": m.pod,
                "destination": m.destination,
                "mode": "/".join(modes) or m.extensions().get("x-mode"),
                "nation": m.nation, "sector": m.sector, "priority": m.priority,
                "lift": dict(m.lift), "days": int(p.dur[i]), "after": list(m.after),
                "available": m.available, "required": m.required, "latest": m.latest,
                "start": start, "arrive": arrive, "late": late,
                "start_date": None if start is None else dep.date_of(start),
                "arrive_date": None if arrive is None else dep.date_of(arrive),
            })
        out.sort(key=lambda r: (r["start"] if r["start"] is not None else 1 << 30, r["id"]))
        return out

    def to_dict(self) -> dict[str, Any]:
        """The machine-readable form (``--json``)."""
        plan, ids = self.plan, self.problem.ids
        rows = self.rows()
        return {
            "status": plan.status,
            "closure": plan.closure,
            "closure_date": None if plan.closure is None else self.deployment.date_of(
                plan.closure),
            "bound": plan.bound,
            "gap": plan.gap,
            "lateness": plan.lateness,
            "lateness_bound": plan.lateness_bound,
            "solver": plan.solver,
            "seconds": round(plan.seconds, 3),
            "baseline": {"method": "greedy serial schedule (LFT rule)",
                         "closure": plan.baseline_closure,
                         "seconds": round(plan.baseline_seconds, 4)},
            "movements": rows,
            "late": ([] if plan.start is None else late_reasons(self.problem, plan.start)),
            "closure_by_sector": closure_by(rows, "sector"),
            "closure_by_priority": closure_by(rows, "priority"),
            "deadline_misses": [{"id": ids[i], "days": d} for i, d in plan.missed],
            "critical_chain": ([] if plan.start is None
                               else critical_chain(self.problem, plan.start)),
            "notes": [*self.deployment.notes, *plan.notes,
                      *idle_rules(rows, self.deployment.command)],
            "command": [r.model_dump(exclude_none=True) for r in self.deployment.command],
            "transfers_of_authority": transfers(rows, self.deployment.command),
        }


def plan_deployment(dep: Deployment, *, time_limit: float = 60.0,
                    method: Method = "cp-sat",
                    warm: DeploymentResult | None = None) -> DeploymentResult:
    """Schedule every movement of ``dep``.

    Parameters
    ----------
    dep
        The deployment (:func:`forcegen.deployment.load_deployment`).
    time_limit
        Seconds for the solver; the best plan found is returned with its proven bound.
    warm
        A plan of the same unit lines (a what-if's base plan) that CP-SAT starts from when
        it still fits.
    method
        ``"cp-sat"`` (exact: earliest closure, then least lateness; see
        :func:`forcegen.deployment.cpsat.solve_cpsat`), ``"highs"`` (time-indexed MILP, closure
        only) or ``"greedy"`` (the serial schedule baseline).

    Returns
    -------
    DeploymentResult
        The deployment, its arrays and the plan (``to_dict()`` for ``--json``).

    Raises
    ------
    forcegen.exceptions.OptionError
        When ``time_limit`` is not a positive number.
    """
    if not time_limit > 0:  # also refuses NaN
        raise OptionError(f"{{time_limit}} {time_limit}: expected a positive number of seconds",
                          "time_limit")
    t_read = time.perf_counter()
    p = from_deployment(dep)
    if method == "cp-sat":
        start = None
        if warm is not None and warm.plan.start is not None and warm.problem.ids == p.ids:
            start = warm.plan.start
        # The limit covers the arrays built here too (a what-if's whole re-plan).
        left = time_limit - (time.perf_counter() - t_read)
        plan = solve_cpsat(p, max(0.1, left), warm=start)
    elif method == "highs":
        from forcegen.deployment.milp import solve_milp_closure

        plan = solve_milp_closure(p, time_limit)
    elif method == "greedy":
        import numpy as np

        from forcegen.deployment.problem import critical_path_bound

        t0 = time.perf_counter()
        start = serial_schedule(p)
        closure = int((start + p.dur).max()) if p.n else 0
        ok = bool(np.all((p.latest < 0) | (start + p.dur <= p.latest)))
        late = int(np.where(p.required >= 0, np.maximum(0, start + p.dur - p.required), 0).sum())
        plan = Plan("feasible" if ok else "infeasible", start, closure, critical_path_bound(p),
                    late, solver="greedy", baseline_closure=closure)
        plan.seconds = plan.baseline_seconds = time.perf_counter() - t0
        if not ok:
            plan.notes.append("the greedy plan misses some latest days (the exact solvers honour "
                              "them)")
    else:
        raise OptionError(f"{{solver}} {method!r}: expected cp-sat, highs or greedy", "solver")
    return DeploymentResult(dep, p, plan)
