"""The standing joint task force's standby roster: which units hold high readiness, when.

The ``standby`` section (docs/scenario.md "Exercises", "Standby roster") asks for units of some
capabilities on standby every month of a period. A unit holds standby for a tour of
``tour_months`` consecutive calendar months, must hold every certification in ``certified`` on
the first day of its tour (earned in the exercise programme, or recorded on its pledge as
``x-certified``), must not be deployed or resting (``units_unavailable``) during its tour nor the
``rest_months`` after it, and holds no other tour until those rest months have passed.

The roster is planned after the exercise programme: the programme decides who is certified and
when (its value is the first objective of the year), and the roster uses what it leaves. Units
on standby may still train (standby is a state of readiness, not a place). Planned with the
programme (:mod:`.coupling`, ``--coupled``), a unit's rest after a tour holds no exercise.

This module holds the section's model and the problem as arrays (one candidate tour per unit
and start month it is eligible for) and the greedy baseline; :mod:`._roster_milp` solves it
exactly and :mod:`.roster_result` shapes the answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from forcegen.exercises.model import Need, Programme
from forcegen.scenario.models import Names, _Strict

__all__ = ["RosterProblem", "Standby", "greedy_roster", "month_start", "roster_problem"]

IntArray = NDArray[np.int64]


class Standby(_Strict):
    """The ``standby`` section: the task force's standing requirement and the tour rules."""

    start: dt.date                 # the first day of the first month rostered
    months: Annotated[int, Field(ge=1, le=120)] = 12
    tour_months: Annotated[int, Field(ge=1, le=24)] = 3
    rest_months: Annotated[int, Field(ge=0, le=24)] = 0
    certified: Names = Field(default_factory=list)
    notice_days: Annotated[int, Field(ge=0, le=3650)] | None = None
    requires: Annotated[list[Need], Field(min_length=1, max_length=50)]


def month_start(first: dt.date, m: int) -> dt.date:
    """The first day of the ``m``-th month after ``first`` (itself the first of a month)."""
    y, k = divmod(first.month - 1 + m, 12)
    return dt.date(first.year + y, k + 1, 1)


@dataclass(frozen=True)
class RosterProblem:
    """The roster as arrays: capabilities' monthly needs and the candidate tours.

    A tour ``j`` is unit ``tour_unit[j]`` on standby from month ``tour_start[j]`` for
    ``tour_len[j]`` months (cut at the end of the period); it blocks the unit's other tours
    for ``tour_months + rest_months`` months from its start.
    """

    months: int
    tour_months: int
    rest_months: int
    caps: list[str]                # capability codes required, sorted
    need: IntArray                 # units required per capability, every month
    unit_ids: list[str]
    unit_cap: IntArray             # capability index of each unit (-1: not required)
    unit_nation: list[str]
    tour_unit: IntArray
    tour_start: IntArray
    tour_len: IntArray
    #: Per unit and capability: why it has no tour at some months (for the explanations).
    ineligible: dict[int, list[str]] = field(default_factory=dict)

    @property
    def span(self) -> int:
        """Months from a tour's start before the same unit may start another."""
        return self.tour_months + self.rest_months

    def coverage(self, chosen: IntArray) -> IntArray:
        """Units on standby per capability and month for the chosen tour indices."""
        cov = np.zeros((len(self.caps), self.months), dtype=np.int64)
        for j in chosen:
            c = int(self.unit_cap[self.tour_unit[j]])
            s = int(self.tour_start[j])
            cov[c, s:s + int(self.tour_len[j])] += 1
        return cov

    def shortfall(self, chosen: IntArray) -> int:
        """Unit-months missing against the requirement."""
        return int(np.maximum(self.need[:, None] - self.coverage(chosen), 0).sum())


def _cert_dates(prog: Programme, earned: dict[str, dict[str, dt.date]]
                ) -> dict[str, dict[str, dt.date | None]]:
    """Per unit id, each certification it holds and from when (None: held throughout)."""
    out: dict[str, dict[str, dt.date | None]] = {}
    held = {pl.id: pl.extensions().get("x-certified") or {} for pl in prog.scenario.pledges}
    for u in prog.units:
        mine: dict[str, dt.date | None] = {}
        have = held.get(u.pledge, {})
        for c, when in (have.items() if isinstance(have, dict) else ()):
            if when is True:
                mine[str(c)] = None
            elif when not in (None, False):
                mine[str(c)] = dt.date.fromisoformat(str(when))
        for c, when in earned.get(u.id, {}).items():
            old = mine.get(c, when)
            mine[c] = None if old is None else min(old, when)
        out[u.id] = mine
    return out


def _eligible_starts(sb: Standby, certs: dict[str, dt.date | None],
                     busy: list[tuple[dt.date, dt.date]],
                     training: Sequence[tuple[dt.date, dt.date]] = ()
                     ) -> tuple[list[int], list[str]]:
    """Months a unit may start a tour, and why it may not in the others (first reasons).

    ``training``: the unit's exercises (first day, day after the last); a tour whose rest
    months meet one is barred (only when the roster is planned with the programme).
    """
    starts, why = [], []
    span = sb.tour_months + sb.rest_months
    for m in range(sb.months):
        first = month_start(sb.start, m)
        missing = [c for c in sb.certified
                   if c not in certs or (certs[c] is not None and certs[c] > first)]  # type: ignore[operator]
        if missing:
            why.append(f"{first:%Y-%m}: not certified {', '.join(missing)} by then")
            continue
        until = month_start(sb.start, m + span)
        clash = [(a, b) for a, b in busy if a < until and b > first]
        if clash:
            a, b = clash[0]
            why.append(f"{first:%Y-%m}: unavailable {a} to {b} during the tour or its rest")
            continue
        rest_from = month_start(sb.start, m + sb.tour_months)
        drill = [(a, b) for a, b in training if a < until and b > rest_from]
        if drill:
            why.append(f"{first:%Y-%m}: in an exercise {drill[0][0]} to {drill[0][1]} during "
                       "the rest after the tour")
            continue
        starts.append(m)
    return starts, why


def roster_problem(prog: Programme, sb: Standby,
                   earned: dict[str, dict[str, dt.date]],
                   training: dict[str, list[tuple[dt.date, dt.date]]] | None = None
                   ) -> RosterProblem:
    """Candidate tours of every unit of a required capability, from the programme's result.

    ``earned``: certifications per unit id and the day each is first held
    (:meth:`forcegen.exercises.ExerciseResult.earned`). ``training``: per unit id its
    exercises' days; given, no tour is rested in an exercise (:mod:`.coupling`).
    """
    need: dict[str, int] = {}
    for n in sb.requires:
        need[n.capability] = need.get(n.capability, 0) + n.quantity
    caps = sorted(need)
    c_index = {c: i for i, c in enumerate(caps)}
    certs = _cert_dates(prog, earned)
    busy: dict[str, list[tuple[dt.date, dt.date]]] = {}
    for b in prog.unavailable:
        for u in prog.units:
            if b.unit in (u.id, u.pledge):
                busy.setdefault(u.id, []).append((b.start, b.end))
    tu: list[int] = []
    ts: list[int] = []
    tl: list[int] = []
    ineligible: dict[int, list[str]] = {}
    for i, u in enumerate(prog.units):
        if u.capability not in c_index:
            continue
        starts, why = _eligible_starts(sb, certs[u.id], sorted(busy.get(u.id, [])),
                                       sorted((training or {}).get(u.id, [])))
        tu.extend([i] * len(starts))
        ts.extend(starts)
        tl.extend(min(sb.tour_months, sb.months - m) for m in starts)
        if why:
            ineligible[i] = why
    return RosterProblem(
        months=sb.months, tour_months=sb.tour_months, rest_months=sb.rest_months, caps=caps,
        need=np.array([need[c] for c in caps], dtype=np.int64),
        unit_ids=[u.id for u in prog.units],
        unit_cap=np.array([c_index.get(u.capability, -1) for u in prog.units], dtype=np.int64),
        unit_nation=[u.nation for u in prog.units],
        tour_unit=np.array(tu, dtype=np.int64), tour_start=np.array(ts, dtype=np.int64),
        tour_len=np.array(tl, dtype=np.int64), ineligible=ineligible)


def greedy_roster(p: RosterProblem) -> IntArray:
    """The baseline: month by month, each capability's gap filled by new tours.

    Among the units that may start then, those of the nation holding the fewest standby
    unit-months so far first (burden spread), then the lowest unit id.
    """
    by_start: dict[tuple[int, int], list[int]] = {}
    for j in range(p.tour_unit.size):
        c = int(p.unit_cap[p.tour_unit[j]])
        by_start.setdefault((c, int(p.tour_start[j])), []).append(j)
    free_from = np.zeros(len(p.unit_ids), dtype=np.int64)  # first month a unit may start
    burden: dict[str, int] = {}
    cov = np.zeros((len(p.caps), p.months), dtype=np.int64)
    chosen: list[int] = []
    for t in range(p.months):
        for c in range(len(p.caps)):
            gap = int(p.need[c] - cov[c, t])
            cands = [j for j in by_start.get((c, t), []) if free_from[p.tour_unit[j]] <= t]
            cands.sort(key=lambda j: (burden.get(p.unit_nation[p.tour_unit[j]], 0),
                                      int(p.tour_unit[j])))
            for j in cands[:max(gap, 0)]:
                u = int(p.tour_unit[j])
                chosen.append(j)
                free_from[u] = t + p.span
                cov[c, t:t + int(p.tour_len[j])] += 1
                nation = p.unit_nation[u]
                burden[nation] = burden.get(nation, 0) + int(p.tour_len[j])
    return np.array(sorted(chosen), dtype=np.int64)
