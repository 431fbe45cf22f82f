"""The programme and the standby roster planned together, by iterating the two.

Planned one after the other, the roster takes the programme as given: a unit may be rostered
on standby and then rest in the months it trains in an exercise, and a month of the roster
may fall short because the exercise that certifies a capability's units is held late in its
window. Planned together:

* the roster never rests a unit in an exercise (a tour whose rest months meet one of the
  unit's exercises is barred, :func:`forcegen.exercises.roster.roster_problem`);
* then, round by round, the programme is planned again with (a) the rest months of the tours
  of every roster so far blocked for those units (the first: the roster planned after the
  programme alone, as if units could rest in exercises), and (b) one more line per capability
  and month the last of them fell short, asking that as many units of the capability as the
  standby needs hold its certifications by the first day of that month (the programme's
  second objective, lines certified in time, then pulls the certifying exercises earlier);
  the roster is planned on the new programme. A round is kept only when the programme holds
  at least the value and the requirement lines of the kept one and the roster is shorter;
  else the iteration stops.

One joint model (the roster's months inside the CP-SAT programme) was not built: at the
issue's scale the programme alone takes CP-SAT most of two minutes, and the roster's exact
stages need HiGHS (``bench/roster_scale.py``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from forcegen.exercises._line_phase import count_lines
from forcegen.exercises.cpsat import solve_cpsat
from forcegen.exercises.model import Programme, Unavailable
from forcegen.exercises.problem import ExerciseProblem, from_programme
from forcegen.exercises.result import ExerciseResult, plan_exercises
from forcegen.exercises.roster import month_start
from forcegen.exercises.roster_result import RosterResult, plan_roster

__all__ = ["Coupled", "conflicts", "plan_together", "training_days"]


@dataclass
class Coupled:
    """The kept programme and roster, the sequential roster, and each round's figures."""

    exercises: ExerciseResult
    roster: RosterResult
    sequential: RosterResult
    rounds: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The ``coupling`` document of ``--coupled --json``."""
        seq = self.sequential
        return {"method": "iterated: programme, roster, programme with the roster's needs",
                "sequential": {"shortfall": seq.plan.shortfall,
                               "rest_in_exercise": conflicts(seq.exercises, seq)},
                "coupled": {"shortfall": self.roster.plan.shortfall,
                            "value": self.exercises.plan.value,
                            "lines_certified": self.exercises.plan.lines,
                            "rest_in_exercise": conflicts(self.exercises, self.roster)},
                "rounds": self.rounds}


def training_days(result: ExerciseResult) -> dict[str, list[tuple[dt.date, dt.date]]]:
    """Per unit id, its exercises held: (first day, day after the last week)."""
    p, s, prog = result.problem, result.plan.schedule, result.programme
    out: dict[str, list[tuple[dt.date, dt.date]]] = {}
    for e in np.flatnonzero(s.start >= 0):
        a = prog.start + dt.timedelta(weeks=int(s.start[e]))
        b = a + dt.timedelta(weeks=int(p.dur[e]))
        for need in s.units[e]:
            for u in need:
                out.setdefault(p.unit_ids[u], []).append((a, b))
    return out


def _rests(roster: RosterResult) -> list[tuple[str, dt.date, dt.date]]:
    """Each tour's rest: unit id, first day, day after the last."""
    p, sb = roster.problem, roster.standby
    out = []
    for j in roster.plan.chosen:
        s = int(p.tour_start[j])
        out.append((p.unit_ids[int(p.tour_unit[j])], month_start(sb.start, s + sb.tour_months),
                    month_start(sb.start, s + sb.tour_months + sb.rest_months)))
    return [r for r in out if r[1] < r[2]]


def conflicts(result: ExerciseResult, roster: RosterResult) -> list[dict[str, str]]:
    """Units that train in an exercise in the rest after their standby."""
    days = training_days(result)
    p, s = result.problem, result.plan.schedule
    out = []
    for unit, a, b in _rests(roster):
        for c, d in days.get(unit, []):
            if c < b and d > a:
                e = next(int(e) for e in np.flatnonzero(s.start >= 0)
                         if result.programme.start + dt.timedelta(weeks=int(s.start[e])) == c
                         and any(p.unit_ids[u] == unit for need in s.units[e] for u in need))
                out.append({"unit": unit, "exercise": p.ids[e], "rest": f"{a} to {b}"})
    return out


Line = tuple[int, int, list[int], list[int]]   # as ExerciseProblem.lines


def _standby_lines(p: ExerciseProblem, prog: Programme, roster: RosterResult
                   ) -> tuple[list[Line], set[tuple[int, int, int]]]:
    """Lines asking the standby's certifications in time for each month the roster is short."""
    rp, sb = roster.problem, roster.standby
    certs = [p.cert_ids.index(c) for c in sb.certified if c in p.cert_ids]
    if not certs:
        return [], set()
    cov = rp.coverage(roster.plan.chosen)
    held_by = {pl.id: pl.extensions().get("x-certified") or {} for pl in prog.scenario.pledges}
    lines: list[Line] = []
    preheld: set[tuple[int, int, int]] = set()
    for c, cap in enumerate(rp.caps):
        units = [i for i, u in enumerate(prog.units) if u.capability == cap]
        for t in np.flatnonzero(cov[c] < rp.need[c]):
            first = month_start(sb.start, int(t))
            k = len(p.lines) + len(lines)
            lines.append((int(rp.need[c]), (first - prog.start).days // 7, certs, units))
            for ui in units:  # held on the pledge by then (as from_programme does for lines)
                have = held_by.get(prog.units[ui].pledge, {})
                for ci in certs:
                    when = have.get(p.cert_ids[ci]) if isinstance(have, dict) else None
                    if when is True or (when not in (None, False) and str(when) <= str(first)):
                        preheld.add((ui, ci, k))
    return lines, preheld


def _round(prog: Programme, kept: ExerciseResult, rosters: list[RosterResult],
           time_limit: float) -> ExerciseResult:
    """The programme again, every roster's rests blocked and the last one's short months asked."""
    roster = rosters[-1]
    rest = [Unavailable(unit=u, start=a, end=b, reason="rest after standby")
            for u, a, b in sorted({r for x in rosters for r in _rests(x)})]
    p = from_programme(dataclasses.replace(prog, unavailable=[*prog.unavailable, *rest]))
    lines, preheld = _standby_lines(p, prog, roster)
    p = dataclasses.replace(p, lines=[*p.lines, *lines], preheld=p.preheld | preheld,
                            line_ids=[*p.line_ids, *(f"standby-{i}" for i in range(len(lines)))])
    plan = solve_cpsat(p, time_limit)
    # Judged on the programme itself: its lines recounted, the bounds of the first round
    # (valid for any schedule, this one being one with more units blocked).
    real = from_programme(prog)
    plan.lines = count_lines(real, plan.schedule)
    plan.bound, plan.lines_bound = kept.plan.bound, kept.plan.lines_bound
    plan.status = "optimal" if plan.value >= plan.bound else "feasible"
    plan.lines_proven = plan.lines >= plan.lines_bound
    return ExerciseResult(prog, real, plan)


def plan_together(prog: Programme, *, time_limit: float = 60.0, rounds: int = 3,
                  method: Literal["highs", "greedy"] = "highs") -> Coupled:
    """Programme and roster iterated (see the module); each solve gets ``time_limit``."""
    result = plan_exercises(prog, time_limit=time_limit)
    sequential = plan_roster(result, time_limit=time_limit, method=method)
    roster = plan_roster(result, time_limit=time_limit, method=method,
                         training=training_days(result))
    out = Coupled(result, roster, sequential)
    out.rounds.append({"round": 0, "value": result.plan.value, "lines": result.plan.lines,
                       "shortfall": roster.plan.shortfall, "kept": True})
    # The first round asks for the sequential roster (the roster the programme would allow if
    # units could rest in exercises): its rests blocked, its short months asked for.
    wishes = [sequential]
    for k in range(1, rounds):
        if roster.plan.shortfall == 0:
            break
        cand = _round(prog, result, wishes, time_limit)
        r2 = plan_roster(cand, time_limit=time_limit, method=method,
                         training=training_days(cand))
        keep = cand.plan.value >= result.plan.value and cand.plan.lines >= result.plan.lines \
            and r2.plan.shortfall < roster.plan.shortfall
        out.rounds.append({"round": k, "value": cand.plan.value, "lines": cand.plan.lines,
                           "shortfall": r2.plan.shortfall, "kept": keep})
        if not keep:
            break
        result, roster = cand, r2
        wishes.append(r2)
    out.exercises, out.roster = result, roster
    return out
