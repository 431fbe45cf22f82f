"""Run a programme and shape the result.

Schedule, per-unit timeline, what is not held and why, certifications earned, and the scenario
with them recorded for sourcing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from forcegen.exceptions import OptionError
from forcegen.exercises.cpsat import ExercisePlan, solve_cpsat
from forcegen.exercises.interop import trained_together
from forcegen.exercises.model import Programme
from forcegen.exercises.problem import ExerciseProblem, from_programme, greedy_schedule
from forcegen.exercises.travel import schedule_travel
from forcegen.scenario import Scenario

__all__ = ["ExerciseResult", "Method", "plan_exercises"]

Method = Literal["cp-sat", "highs", "greedy"]


@dataclass
class ExerciseResult:
    """A programme, its problem and the plan found for it."""

    programme: Programme
    problem: ExerciseProblem
    plan: ExercisePlan

    def earned(self) -> dict[str, dict[str, dt.date]]:
        """Certifications per unit id: the first date each is held.

        That is the Monday after the last week of the exercise that awards it.
        """
        p, s, prog = self.problem, self.plan.schedule, self.programme
        by_id = {e.id: e for e in prog.exercises}
        out: dict[str, dict[str, dt.date]] = {}
        for e in range(p.n):
            if s.start[e] < 0:
                continue
            when = prog.date_of(int(s.start[e] + p.dur[e]))
            for need in s.units[e]:
                for u in need:
                    mine = out.setdefault(p.unit_ids[u], {})
                    for c in by_id[p.ids[e]].certifies:
                        mine[c] = min(mine.get(c, when), when)
        return out

    def why_not(self, e: int) -> list[str]:
        """Reasons exercise ``e`` is not held, most basic first."""
        p, s = self.problem, self.plan.schedule
        out = []
        for i in p.preds[e]:
            if s.start[i] < 0:
                out.append(f"waits for {p.ids[i]}, which is not held")
        weeks = range(int(p.lo[e]), int(p.hi[e]) + 1)
        for q, cands in p.needs[e]:
            free = [u for u in cands if any(p.free_for(u, e, t) for t in weeks)]
            if len(free) < q:
                cap = self.programme.units[cands[0]].capability if cands else "?"
                out.append(f"needs {q} unit(s) of {cap}; only {len(free)} are available "
                           "(not deployed or resting) at some time in its window")
        if out:
            return out
        d = int(p.dur[e])
        rivals = sorted({p.ids[j] for j in range(p.n) if s.start[j] >= 0 and j != e
                         and s.start[j] < p.hi[e] + d and s.start[j] + p.dur[j] > p.lo[e]
                         and (set(p.areas[j]) & set(p.areas[e]) or any(
                             set(c1) & set(c2) for _, c1 in p.needs[j] for _, c2 in p.needs[e]))})
        who = f" ({', '.join(rivals)})" if rivals else ""
        if self.plan.status == "optimal":
            return [f"its areas or units are taken in its window by exercises held instead{who}: "
                    "holding it as well is impossible without losing more value"]
        return [f"not fitted in the time limit; competes with{who or ' others'} (plan not "
                "proven best)"]

    def to_dict(self) -> dict[str, Any]:
        """The machine-readable form (``--json``)."""
        p, plan, prog = self.problem, self.plan, self.programme
        s = plan.schedule
        by_id = {e.id: e for e in prog.exercises}
        timeline: dict[str, list[dict[str, Any]]] = {u: [] for u in p.unit_ids}
        rows: list[dict[str, Any]] = []
        missing: list[dict[str, Any]] = []
        for e in range(p.n):
            ex = by_id[p.ids[e]]
            row: dict[str, Any] = {"id": ex.id, "name": ex.name, "kind": ex.kind,
                                   "weeks": ex.weeks, "value": ex.value,
                                   "certifies": list(ex.certifies), "held": bool(s.start[e] >= 0)}
            if s.start[e] >= 0:
                t = int(s.start[e])
                names = [p.unit_ids[u] for need in s.units[e] for u in need]
                row.update(start_week=t, end_week=t + ex.weeks,
                           start=prog.date_of(t).isoformat(),
                           end=(prog.date_of(t + ex.weeks) - dt.timedelta(days=1)).isoformat(),
                           area=p.area_ids[int(s.area[e])], units=names,
                           nations=sorted({prog.units[u].nation for need in s.units[e]
                                           for u in need}))
                if p.travel_km is not None:
                    row["travel_km"] = sum(int(p.travel_km[u, int(s.area[e])])
                                           for need in s.units[e] for u in need)
                for u in names:
                    timeline[u].append({"exercise": ex.id, "start_week": t,
                                        "end_week": t + ex.weeks})
            else:
                missing.append({"id": ex.id, "value": ex.value, "reasons": self.why_not(e)})
            rows.append(row)
        rows.sort(key=lambda r: (not r["held"], r.get("start_week", 0), r["id"]))
        earned = self.earned()
        lines = self.lines()
        units: list[dict[str, Any]] = [{"id": u.id, "pledge": u.pledge, "nation": u.nation,
                  "capability": u.capability,
                  "exercises": sorted(timeline[u.id], key=lambda x: x["start_week"]),
                  "certified": {c: d.isoformat() for c, d in sorted(earned.get(u.id, {}).items())}}
                 for u in prog.units]
        return {
            "scenario": prog.scenario.data.name,
            "status": plan.status, "value": plan.value, "bound": plan.bound, "gap": plan.gap,
            "solver": plan.solver, "seconds": round(plan.seconds, 3),
            "tie_break_proven": plan.tie_break_proven,
            # How the value was bounded and found: greedy, pooled model, full model (cp-sat).
            "value_steps": list(plan.value_steps),
            "baseline": {"method": "greedy (earliest window first)",
                         "value": plan.baseline_value,
                         "seconds": round(plan.baseline_seconds, 4)},
            "programme_start": prog.start.isoformat(), "rest_weeks": prog.rest_weeks,
            "areas": [{"id": a.id, "name": a.name, "capacity": a.capacity}
                      for a in sorted(prog.areas, key=lambda a: a.id)],
            "exercises": rows, "not_scheduled": missing,
            "units": [u for u in units if u["exercises"]],
            "lines": lines, "notes": list(plan.notes),
            "trained_together": trained_together(rows, {u.id: u.nation for u in prog.units}),
            "lines_certified": sum(1 for x in lines if x["certified_in_time"]),
            "lines_bound": plan.lines_bound if plan.solver == "cp-sat" else None,
            "travel": self.travel(),
        }

    def travel(self) -> dict[str, Any]:
        """Units' travel home -> training area (great circle, one way, km): the third objective.

        ``status``: ``optimal`` (proven least at the value and lines held), ``feasible`` (not
        proven; ``lower_bound`` says how far off it may be), ``not minimised`` (solvers other
        than CP-SAT: the schedule's travel, counted) or ``skipped`` (no coordinates: ``km`` is
        null and ``note`` says why).
        """
        p, plan = self.problem, self.plan
        if p.travel_km is None:
            return {"status": "skipped", "km": None, "lower_bound": None,
                    "note": p.travel_note}
        s = plan.schedule
        km = schedule_travel(p.travel_km, s.start, s.area, s.units)
        status = plan.travel_status if plan.solver == "cp-sat" else "not minimised"
        bound = km if status == "optimal" else (
            plan.travel_bound if status == "feasible" else None)
        return {"status": status, "km": km, "lower_bound": bound, "note": p.travel_note}

    def lines(self) -> list[dict[str, Any]]:
        """Requirement lines asking for certifications: units certified in time, per line.

        Earned in this schedule, or held before it (pledge ``x-certified``).
        """
        earned = self.earned()
        held = {pl.id: pl.extensions().get("x-certified") or {}
                for pl in self.programme.scenario.pledges}

        def in_time(unit: Any, cert: str, start: dt.date | None) -> bool:
            got = earned.get(unit.id, {}).get(cert)
            if got is not None and (start is None or got <= start):
                return True
            have = held.get(unit.pledge, {})
            when = have.get(cert) if isinstance(have, dict) else None
            return when is True or (when not in (None, False) and (
                start is None or str(when) <= start.isoformat()))

        out = []
        for r in sorted(self.programme.scenario.requirements, key=lambda r: r.id):
            if not r.certified:
                continue
            ready = [u.id for u in self.programme.units if u.capability == r.capability
                     and all(in_time(u, c, r.start) for c in r.certified)]
            out.append({"requirement": r.id, "capability": r.capability,
                        "certified": list(r.certified), "quantity": r.quantity,
                        "start": None if r.start is None else r.start.isoformat(),
                        "units_certified_in_time": len(ready),
                        "certified_in_time": len(ready) >= r.quantity, "units": ready,
                        "awarded_by": self._awarded_by(r.certified, r.capability, r.start)})
        return out

    def _awarded_by(self, certs: list[str], capability: str,
                    start: dt.date | None) -> list[dict[str, Any]]:
        """Which exercise certifies which of the line's units, and when (or why not)."""
        p, s, prog = self.problem, self.plan.schedule, self.programme
        by_id = {e.id: e for e in prog.exercises}
        out = []
        for e in range(p.n):
            ex = by_id[p.ids[e]]
            gives = [c for c in ex.certifies if c in certs]
            takes = any(prog.units[u].capability == capability for _, c in p.needs[e] for u in c)
            if not gives or not takes:
                continue
            row: dict[str, Any] = {"exercise": ex.id, "certifies": gives,
                                   "held": bool(s.start[e] >= 0)}
            if s.start[e] >= 0:
                held_from = prog.date_of(int(s.start[e] + p.dur[e]))
                row["certified_from"] = held_from.isoformat()
                row["in_time"] = start is None or held_from <= start
                row["units"] = [p.unit_ids[u] for need in s.units[e] for u in need
                                if prog.units[u].capability == capability]
            out.append(row)
        return out

    def certified_scenario(self) -> Scenario:
        """The scenario with what the schedule certifies recorded for sourcing.

        A pledge whose units all earn the same certifications keeps its id and gains
        ``x-certified`` (certification -> first date held); a pledge whose units differ is
        split into one pledge per group, ``<id>#1``, ``<id>#2``, ... in unit order.
        """
        earned = self.earned()
        sc = self.programme.scenario
        groups: dict[str, dict[tuple[tuple[str, str], ...], int]] = {}
        for u in self.programme.units:
            key = tuple(sorted((c, d.isoformat()) for c, d in earned.get(u.id, {}).items()))
            g = groups.setdefault(u.pledge, {})
            g[key] = g.get(key, 0) + 1
        pledges = []
        for pl in sc.pledges:
            g = groups.get(pl.id, {})
            if not g or list(g) == [()]:
                pledges.append(pl)
                continue
            for k, (key, qty) in enumerate(g.items(), 1):
                extra = {**pl.extensions(), "x-certified": dict(key)}
                pid = pl.id if len(g) == 1 else f"{pl.id}#{k}"
                pledges.append(pl.model_copy(update={"id": pid, "quantity": qty}))
                pledges[-1].__pydantic_extra__ = extra
        data = sc.data.model_copy(update={"pledges": pledges})
        return Scenario(data, sc.catalog, sc.root, sc.source, dict(sc.layout),
                        dict(sc.attached), dict(sc.tables))


def plan_exercises(prog: Programme, *, time_limit: float = 60.0,
                   method: Method = "cp-sat") -> ExerciseResult:
    """Schedule the programme.

    Parameters
    ----------
    prog
        The programme (:func:`forcegen.exercises.load_programme`).
    time_limit
        Seconds for the solver; the best schedule found is returned with its proven bound.
    method
        ``"cp-sat"`` (exact: most value held, then most lines certified in time, then a
        canonical tie-break; see :func:`forcegen.exercises.cpsat.solve_cpsat`), ``"highs"``
        (time-indexed MILP, value only) or ``"greedy"`` (the serial baseline).

    Returns
    -------
    ExerciseResult
        The programme, its arrays and the plan (``to_dict()`` for ``--json``).

    Raises
    ------
    forcegen.exceptions.OptionError
        When ``time_limit`` is not a positive number.
    """
    if not time_limit > 0:
        raise OptionError(f"{{time_limit}} {time_limit}: expected a positive number of seconds",
                          "time_limit")
    p = from_programme(prog)
    if method == "cp-sat":
        plan = solve_cpsat(p, time_limit)
    elif method == "highs":
        from forcegen.exercises.milp import solve_milp_value

        plan = solve_milp_value(p, time_limit)
    elif method == "greedy":
        import time

        t0 = time.perf_counter()
        sched = greedy_schedule(p)
        total = int(p.value.sum())
        plan = ExercisePlan("optimal" if sched.value(p) == total else "feasible", sched,
                            sched.value(p), total, solver="greedy",
                            baseline_value=sched.value(p))
        plan.seconds = plan.baseline_seconds = time.perf_counter() - t0
        plan.notes.append("greedy baseline only: the bound is the value of every exercise")
    else:
        raise OptionError(f"{{method}} {method!r}: expected cp-sat, highs or greedy", "method")
    return ExerciseResult(prog, p, plan)
