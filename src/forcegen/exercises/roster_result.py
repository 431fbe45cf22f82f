"""Plan the standby roster after the programme, and source the task force at short notice.

``plan_roster`` takes the programme's result (who is certified when) and the ``standby``
section; ``RosterResult.to_dict`` is the ``roster`` part of ``forcegen exercises --roster
--json``; ``standby_scenario`` is the scenario a planner sources at short notice in one month:
only the units on standby that month, certified as the programme left them, and only the lines
whose notice is within the standby's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np

from forcegen.exceptions import OptionError
from forcegen.exercises._roster_milp import RosterPlan, solve_roster
from forcegen.exercises.result import ExerciseResult
from forcegen.exercises.roster import (
    IntArray,
    RosterProblem,
    Standby,
    month_start,
    roster_problem,
)
from forcegen.scenario import Scenario

__all__ = ["MAX_REASONS", "RosterResult", "plan_roster", "standby_scenario"]

#: Units named in the reasons of one month's shortfall of one capability (then a count).
MAX_REASONS = 10


@dataclass
class RosterResult:
    """The programme's result, the roster problem and the roster found."""

    exercises: ExerciseResult
    standby: Standby
    problem: RosterProblem
    plan: RosterPlan

    def tours(self) -> list[dict[str, Any]]:
        """Each tour: unit, pledge, nation, capability, first and last month, rest until."""
        p, sb, prog = self.problem, self.standby, self.exercises.programme
        out = []
        for j in sorted(self.plan.chosen, key=lambda j: (int(p.tour_start[j]),
                                                           int(p.tour_unit[j]))):
            u = prog.units[int(p.tour_unit[j])]
            s, n = int(p.tour_start[j]), int(p.tour_len[j])
            out.append({"unit": u.id, "pledge": u.pledge, "nation": u.nation,
                        "capability": u.capability,
                        "start": month_start(sb.start, s).isoformat(),
                        "end": (month_start(sb.start, s + n) - dt.timedelta(days=1)).isoformat(),
                        "months": n,
                        "rest_until": (month_start(sb.start, s + sb.tour_months + sb.rest_months)
                                       - dt.timedelta(days=1)).isoformat()})
        return out

    def on_standby(self, m: int) -> list[int]:
        """Unit indices on standby in month ``m``."""
        p = self.problem
        return sorted(int(p.tour_unit[j]) for j in self.plan.chosen
                      if p.tour_start[j] <= m < p.tour_start[j] + p.tour_len[j])

    def months(self) -> list[dict[str, Any]]:
        """Per month: units on standby by capability, what is missing, nations holding it."""
        p, sb, prog = self.problem, self.standby, self.exercises.programme
        cov = p.coverage(self.plan.chosen)
        out = []
        for t in range(p.months):
            units = self.on_standby(t)
            out.append({
                "month": f"{month_start(sb.start, t):%Y-%m}",
                "units": [prog.units[u].id for u in units],
                "nations": sorted({prog.units[u].nation for u in units}),
                "capabilities": [{"capability": c, "required": int(p.need[k]),
                                  "on_standby": int(cov[k, t]),
                                  "missing": max(0, int(p.need[k] - cov[k, t]))}
                                 for k, c in enumerate(p.caps)]})
        return out

    @cached_property
    def _starts(self) -> tuple[dict[int, list[int]], dict[int, IntArray]]:
        """Per unit: the start months of its tours held, and of every tour it may take."""
        p = self.problem
        mine: dict[int, list[int]] = {}
        for j in self.plan.chosen:
            mine.setdefault(int(p.tour_unit[j]), []).append(int(p.tour_start[j]))
        order = np.argsort(p.tour_unit, kind="stable")
        bounds = np.searchsorted(p.tour_unit[order], np.arange(len(p.unit_ids) + 1))
        may = {u: p.tour_start[order[bounds[u]:bounds[u + 1]]]
               for u in range(len(p.unit_ids)) if bounds[u + 1] > bounds[u]}
        return mine, may

    def why_short(self, cap: int, t: int) -> list[str]:
        """Why no more units of capability ``cap`` hold standby in month ``t``, unit by unit.

        At most :data:`MAX_REASONS` units are named, then how many more there are.
        """
        p = self.problem
        month = f"{month_start(self.standby.start, t):%Y-%m}"
        mine, may = self._starts
        out = []
        for u in (int(x) for x in np.flatnonzero(p.unit_cap == cap)):
            tour = [s for s in mine.get(u, []) if s <= t < s + p.span]
            if tour:
                if t >= tour[0] + p.tour_months:
                    out.append(f"{p.unit_ids[u]}: resting after its standby from "
                               f"{month_start(self.standby.start, tour[0]):%Y-%m}")
                continue
            starts = may.get(u, np.zeros(0, dtype=np.int64))
            if not ((starts <= t) & (starts + p.tour_months > t)).any():
                why = [w for w in p.ineligible.get(u, []) if w.startswith(month)]
                out.append(f"{p.unit_ids[u]}: cannot start a tour covering {month}"
                           + (f" ({why[0].partition(': ')[2]})" if why else ""))
            else:
                out.append(f"{p.unit_ids[u]}: a tour covering {month} would break its rest "
                           "or leave another month shorter" + (
                               "" if self.plan.status == "optimal" else " (not proven)"))
        if len(out) > MAX_REASONS:
            out = [*out[:MAX_REASONS], f"and {len(out) - MAX_REASONS} more unit(s)"]
        return out

    def to_dict(self) -> dict[str, Any]:
        """The ``roster`` document of ``--json``."""
        p, plan, sb = self.problem, self.plan, self.standby
        burden: dict[str, int] = {}
        for tour in self.tours():
            burden[tour["nation"]] = burden.get(tour["nation"], 0) + tour["months"]
        months = self.months()
        short = [{"month": m["month"], "capability": c["capability"], "missing": c["missing"],
                  "reasons": self.why_short(k, t)}
                 for t, m in enumerate(months) for k, c in enumerate(m["capabilities"])
                 if c["missing"]]
        return {"status": plan.status, "solver": plan.solver,
                "start": sb.start.isoformat(), "months": sb.months,
                "tour_months": sb.tour_months, "rest_months": sb.rest_months,
                "certified": list(sb.certified), "notice_days": sb.notice_days,
                "required_unit_months": int(p.need.sum()) * p.months,
                "shortfall": plan.shortfall, "bound": plan.bound,
                "baseline": {"method": "greedy (month by month, least burdened nation first)",
                             "shortfall": plan.baseline_shortfall,
                             "tours": int(plan.baseline.size)},
                "seconds": round(plan.seconds, 3), "stages": plan.stages,
                "tours": self.tours(), "calendar": months, "short": short,
                "burden": [{"nation": n, "unit_months": v} for n, v in sorted(burden.items())]}


def plan_roster(result: ExerciseResult, *, time_limit: float = 30.0,
                method: Literal["highs", "greedy"] = "highs",
                training: dict[str, list[tuple[dt.date, dt.date]]] | None = None
                ) -> RosterResult:
    """The standby roster for the programme of ``result`` (its ``standby`` section).

    Parameters
    ----------
    result
        The scheduled programme (:func:`forcegen.exercises.plan_exercises`): it says which
        units are certified when.
    time_limit
        Seconds for HiGHS over all stages.
    method
        ``"highs"`` (exact, lexicographic stages) or ``"greedy"`` (the baseline only).
    training
        Per unit id its exercises' days: no tour is rested in one (:mod:`.coupling`).

    Raises
    ------
    forcegen.exceptions.OptionError
        When the scenario has no ``standby`` section, or for a bad ``method`` or time limit.
    """
    sb = result.programme.standby
    if sb is None:
        raise OptionError("{roster}: the scenario has no `standby` section (docs/scenario.md, "
                          "\"Standby roster\")", "roster")
    if not time_limit > 0:
        raise OptionError(f"{{time_limit}} {time_limit}: expected a positive number of seconds",
                          "time_limit")
    p = roster_problem(result.programme, sb, result.earned(), training)
    if method == "highs":
        plan = solve_roster(p, time_limit)
    elif method == "greedy":
        import time

        from forcegen.exercises.roster import greedy_roster

        t0 = time.perf_counter()
        chosen = greedy_roster(p)
        plan = RosterPlan("feasible", chosen, p.shortfall(chosen), 0, solver="greedy",
                          baseline=chosen, baseline_shortfall=p.shortfall(chosen))
        if plan.shortfall == 0:
            plan.status = "optimal"
        plan.seconds = time.perf_counter() - t0
    else:
        raise OptionError(f"{{method}} {method!r}: expected highs or greedy", "method")
    return RosterResult(result, sb, p, plan)


def standby_scenario(roster: RosterResult, m: int) -> Scenario:
    """The scenario sourced at short notice in month ``m``.

    Pledges: only the units on standby that month (a pledge keeps its id when all its units
    are, else becomes ``<pledge>#standby`` with that many units), with the certifications the
    programme gave them (``x-certified``) and ready within the standby's notice. Requirements:
    those whose ``notice_days`` is within the standby's ``notice_days`` (all when it is not
    given).
    """
    prog = roster.exercises.programme
    sc, sb = prog.scenario, roster.standby
    earned = roster.exercises.earned()
    count: dict[str, list[str]] = {}
    for u in roster.on_standby(m):
        count.setdefault(prog.units[u].pledge, []).append(prog.units[u].id)
    total = {pl.id: pl.quantity for pl in sc.pledges}
    pledges = []
    for pl in sc.pledges:
        ids = count.get(pl.id)
        if not ids:
            continue
        certs = {**(pl.extensions().get("x-certified") or {})}
        for uid in ids:
            for c, d in earned.get(uid, {}).items():
                certs.setdefault(c, d.isoformat())
        notice = pl.notice_days if sb.notice_days is None else min(pl.notice_days,
                                                                    sb.notice_days)
        pid = pl.id if len(ids) == total[pl.id] else f"{pl.id}#standby"
        new = pl.model_copy(update={"id": pid, "quantity": len(ids), "notice_days": notice})
        new.__pydantic_extra__ = {**pl.extensions(), "x-certified": certs}
        pledges.append(new)
    reqs = [r for r in sc.requirements
            if sb.notice_days is None or r.notice_days <= sb.notice_days]
    data = sc.data.model_copy(update={"pledges": pledges, "requirements": reqs})
    return Scenario(data, sc.catalog, sc.root, sc.source, dict(sc.layout),
                    dict(sc.attached), dict(sc.tables))
