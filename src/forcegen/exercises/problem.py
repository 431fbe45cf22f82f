"""The programme as arrays (weeks, areas, units), and the greedy baseline.

Exercises are indexed in id order, units and areas too, so the same data gives the same model.
Everything the exact solvers (:mod:`.cpsat`, :mod:`.milp`) and the baseline share is defined
here once: start weeks allowed by each window, candidate units per need, weeks each unit is
blocked (deployed or resting), and the week each unit is busy for an exercise: its weeks plus
the rest that must follow (``units_rest_weeks``), before any other exercise or unavailability.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from forcegen.exercises.model import Programme
from forcegen.exercises.travel import travel_matrix

__all__ = ["ExerciseProblem", "Schedule", "from_programme", "greedy_schedule"]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class ExerciseProblem:
    """A programme as arrays, in weeks: windows, areas, candidate units, blocked weeks."""

    ids: list[str]
    dur: IntArray                  # weeks per exercise
    value: IntArray
    lo: IntArray                   # first start week allowed
    hi: IntArray                   # last start week allowed
    areas: list[list[int]]         # acceptable area indices per exercise
    needs: list[list[tuple[int, list[int]]]]   # per exercise: (quantity, candidate units)
    preds: list[list[int]]
    area_ids: list[str]
    capacity: IntArray             # exercises per area per week
    unit_ids: list[str]
    blocked: BoolArray             # (units, horizon): unit not available that week
    rest: int
    #: Certifications each exercise awards (indices into ``cert_ids``).
    certifies: list[list[int]] = field(default_factory=list)
    cert_ids: list[str] = field(default_factory=list)
    #: Requirement lines asking for certifications: (quantity, last week an exercise may end
    #: for its units to count, certifications, units of the line's capability).
    lines: list[tuple[int, int, list[int], list[int]]] = field(default_factory=list)
    line_ids: list[str] = field(default_factory=list)
    #: (unit, certification, line) triples already held in time before the programme
    #: (pledge extension ``x-certified``).
    preheld: set[tuple[int, int, int]] = field(default_factory=set)
    #: Whole km from each unit's home to each area (0 where unknown); None: nothing to count.
    travel_km: IntArray | None = None
    #: Why travel is not minimised, or which units and areas it leaves out ("" when none).
    travel_note: str = ""

    @property
    def n(self) -> int:
        """The number of exercises."""
        return len(self.ids)

    @property
    def horizon(self) -> int:
        """Weeks an interval may reach (last start + longest exercise + rest)."""
        return int(self.blocked.shape[1])

    def free_for(self, u: int, e: int, t: int) -> bool:
        """Unit ``u`` is not blocked during exercise ``e`` started in week ``t`` nor its rest."""
        return not self.blocked[u, t:t + int(self.dur[e]) + self.rest].any()


@dataclass
class Schedule:
    """Which exercises are held, when, where and with which units (index space of a problem)."""

    start: IntArray                # start week, -1 when not held
    area: IntArray                 # area index, -1 when not held
    units: list[list[list[int]]] = field(default_factory=list)  # per exercise, per need

    def held(self) -> BoolArray:
        """Which exercises are held."""
        return self.start >= 0

    def value(self, p: ExerciseProblem) -> int:
        """The value of the exercises held."""
        return int(p.value[self.held()].sum())


def from_programme(prog: Programme) -> ExerciseProblem:
    """Arrays from a validated programme."""
    exs = sorted(prog.exercises, key=lambda e: e.id)
    ids = [e.id for e in exs]
    index = {x: i for i, x in enumerate(ids)}
    areas = sorted(prog.areas, key=lambda a: a.id)
    a_index = {a.id: i for i, a in enumerate(areas)}
    units = prog.units  # already in id order
    u_index = {u.id: i for i, u in enumerate(units)}
    by_cap: dict[str, list[int]] = {}
    for i, u in enumerate(units):
        by_cap.setdefault(u.capability, []).append(i)
    lo = np.array([max(0, prog.start_weeks(e)[0]) for e in exs], dtype=np.int64)
    hi = np.array([prog.start_weeks(e)[1] for e in exs], dtype=np.int64)
    dur = np.array([e.weeks for e in exs], dtype=np.int64)
    rest = prog.rest_weeks
    horizon = int((hi + dur).max()) + rest if exs else rest
    blocked = np.zeros((len(units), horizon), dtype=bool)
    for b in prog.unavailable:
        w0 = max(0, prog.week_of(b.start))
        w1 = min(horizon, -((prog.start - b.end).days // 7))  # weeks touching [start, end)
        targets = [u_index[b.unit]] if b.unit in u_index else [
            i for i, u in enumerate(units) if u.pledge == b.unit]
        for i in targets:
            blocked[i, w0:max(w0, w1)] = True
    certs = sorted({c for e in exs for c in e.certifies}
                   | {c for r in prog.scenario.requirements for c in r.certified or ()})
    c_index = {c: i for i, c in enumerate(certs)}
    asks = sorted((r for r in prog.scenario.requirements if r.certified), key=lambda r: r.id)
    lines: list[tuple[int, int, list[int], list[int]]] = []
    preheld: set[tuple[int, int, int]] = set()
    held_by = {pl.id: pl.extensions().get("x-certified") or {} for pl in prog.scenario.pledges}
    for k, r in enumerate(asks):
        # Earned on the Monday after the last week: in time when that Monday <= start.
        last = 1 << 20 if r.start is None else (r.start - prog.start).days // 7
        mine = by_cap.get(r.capability, [])
        lines.append((r.quantity, last, [c_index[c] for c in r.certified or ()], mine))
        for ui in mine:
            have = held_by.get(units[ui].pledge, {})
            for c in r.certified or ():
                when = have.get(c) if isinstance(have, dict) else None
                if when is True or (when not in (None, False) and (
                        r.start is None or str(when) <= r.start.isoformat())):
                    preheld.add((ui, c_index[c], k))
    travel_km, travel_note = travel_matrix(prog, [a.id for a in areas])
    return ExerciseProblem(
        travel_km=travel_km, travel_note=travel_note,
        ids=ids, dur=dur, value=np.array([e.value for e in exs], dtype=np.int64), lo=lo, hi=hi,
        areas=[sorted(a_index[a] for a in set(e.areas)) for e in exs],
        needs=[[(n.quantity, by_cap.get(n.capability, [])) for n in e.needs] for e in exs],
        preds=[sorted(index[a] for a in set(e.after)) for e in exs],
        area_ids=[a.id for a in areas],
        capacity=np.array([a.capacity for a in areas], dtype=np.int64),
        unit_ids=[u.id for u in units], blocked=blocked, rest=rest,
        certifies=[[c_index[c] for c in e.certifies] for e in exs], cert_ids=certs,
        lines=lines, line_ids=[r.id for r in asks], preheld=preheld,
    )


def topo_order(p: ExerciseProblem, key: IntArray | None = None) -> list[int]:
    """Exercises with every ``after`` before them, ties by ``key`` then index (Kahn, a heap)."""
    import heapq

    k = p.lo if key is None else key
    left = [len(x) for x in p.preds]
    succ: list[list[int]] = [[] for _ in range(p.n)]
    for j, ps in enumerate(p.preds):
        for i in ps:
            succ[i].append(j)
    heap = [(int(k[i]), i) for i in range(p.n) if left[i] == 0]
    heapq.heapify(heap)
    out = []
    while heap:
        _, i = heapq.heappop(heap)
        out.append(i)
        for j in succ[i]:
            left[j] -= 1
            if left[j] == 0:
                heapq.heappush(heap, (int(k[j]), j))
    return out


def greedy_schedule(p: ExerciseProblem) -> Schedule:
    """The baseline: a serial schedule, exercise by exercise.

    Exercises in precedence order, earliest window first (most valuable first among equals),
    each in its first week and area with room and enough units free for its weeks and rest
    (the units with fewest exercises so far first, so the load spreads).
    """
    start = np.full(p.n, -1, dtype=np.int64)
    area = np.full(p.n, -1, dtype=np.int64)
    chosen: list[list[list[int]]] = [[] for _ in range(p.n)]
    busy = p.blocked.copy()
    used = np.zeros((len(p.area_ids), p.horizon), dtype=np.int64)
    load = np.zeros(len(p.unit_ids), dtype=np.int64)
    key = p.lo * (int(p.value.max(initial=0)) + 1) - p.value
    for e in topo_order(p, key):
        if any(start[i] < 0 for i in p.preds[e]):
            continue  # a prerequisite is not held: neither is this one
        t0 = max([int(p.lo[e])] + [int(start[i] + p.dur[i]) for i in p.preds[e]])
        d, span = int(p.dur[e]), int(p.dur[e]) + p.rest
        for t in range(t0, int(p.hi[e]) + 1):
            room = [a for a in p.areas[e] if (used[a, t:t + d] < p.capacity[a]).all()]
            if not room:
                continue
            picks: list[list[int]] = []
            taken: set[int] = set()
            for q, cands in p.needs[e]:
                free = [u for u in cands if u not in taken and not busy[u, t:t + span].any()]
                free.sort(key=lambda u: (load[u], u))
                if len(free) < q:
                    break
                picks.append(free[:q])
                taken.update(free[:q])
            else:
                start[e], area[e], chosen[e] = t, room[0], picks
                used[room[0], t:t + d] += 1
                for u in taken:
                    busy[u, t:t + span] = True
                    load[u] += 1
                break
    return Schedule(start, area, chosen)
