"""The value stage's strong, cheap bound: units aggregated into pools, a small MILP on HiGHS.

Units that can fill the same needs are interchangeable except for the weeks they are blocked.
Relaxing "which unit" to "how many units of the pool" leaves a time-indexed model of the
exercises alone (columns ``x[e, a, t]``: exercise ``e`` starts in week ``t`` in area ``a``), a
few thousand columns at 300 exercises and 2,000 units where the full model has ~19,000
variables. It keeps every rule that does not name a unit (windows, area capacity, ``after``)
and, per pool and week, at most as many places filled (exercise weeks plus rest) as the pool
has units not blocked that week; a start is left out where fewer units of a pool are free for
its whole span than the exercise needs. Any schedule satisfies all of it, so its optimum (or
HiGHS's dual bound when stopped early) is an upper bound on the value any schedule holds.

Its solution names weeks and areas; :func:`assign_units` then gives each held exercise units
one by one in start order (the unit whose free run fits the span most tightly first), and
drops an exercise it cannot staff (with whatever must come after it). When nothing is dropped
the plan reaches the bound: the value stage is proven without a search on the full model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from forcegen.deployment.milp import RowBlocks
from forcegen.exercises.problem import ExerciseProblem, Schedule
from forcegen.readiness._highs import solve_milp

__all__ = ["AggregateBound", "assign_units", "fill_in", "pools", "value_bound"]

IntArray = NDArray[np.int64]


@dataclass
class AggregateBound:
    """What the pooled model proved and the plan read from it (units assigned)."""

    bound: int                       # proven upper bound on the value of any schedule
    status: str                      # optimal | feasible | unknown (HiGHS on the pooled model)
    schedule: Schedule | None        # its weeks and areas with units assigned, or None
    relaxed_value: int               # the pooled model's own plan's value (before staffing)
    columns: int
    seconds: float
    dropped: list[int]               # exercises the staffing could not fill


def pools(p: ExerciseProblem) -> tuple[list[IntArray], list[dict[int, int]]]:
    """Units grouped by identical candidate lists; per exercise, units needed from each pool."""
    index: dict[tuple[int, ...], int] = {}
    members: list[IntArray] = []
    need: list[dict[int, int]] = []
    for e in range(p.n):
        mine: dict[int, int] = {}
        for q, cands in p.needs[e]:
            key = tuple(sorted(cands))
            if key not in index:
                index[key] = len(members)
                members.append(np.array(key, dtype=np.int64))
            k = index[key]
            mine[k] = mine.get(k, 0) + int(q)
        need.append(mine)
    return members, need


def _free_runs(blocked: NDArray[np.bool_]) -> IntArray:
    """``run[u, t]``: consecutive weeks from ``t`` on that unit ``u`` is not blocked."""
    n_u, horizon = blocked.shape
    run = np.zeros((n_u, horizon + 1), dtype=np.int64)
    for t in range(horizon - 1, -1, -1):
        run[:, t] = np.where(blocked[:, t], 0, run[:, t + 1] + 1)
    return run[:, :horizon]


def _cat(parts: list[np.ndarray]) -> IntArray:
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)


def _columns(p: ExerciseProblem, members: list[IntArray], need: list[dict[int, int]],
             run: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Exercise, area and start week of each column a pool can staff."""
    xe, xa, xt = [], [], []
    for e in range(p.n):
        span = int(p.dur[e]) + p.rest
        ts = np.arange(int(p.lo[e]), int(p.hi[e]) + 1)
        ok = np.ones(ts.size, dtype=bool)
        for k, q in need[e].items():
            ok &= (run[members[k]][:, ts] >= span).sum(axis=0) >= q
        ts = ts[ok]
        for a in p.areas[e]:
            xe.append(np.full(ts.size, e))
            xa.append(np.full(ts.size, a))
            xt.append(ts)
    return _cat(xe), _cat(xa), _cat(xt)


def _spread(cols: IntArray, length: IntArray, first: IntArray) -> tuple[IntArray, IntArray]:
    """Each column repeated over the weeks it covers: (column, week) pairs."""
    rep = np.repeat(cols, length)
    offs = np.arange(rep.size) - np.repeat(np.cumsum(length) - length, length)
    return rep, first[rep] + offs


def _model(p: ExerciseProblem, members: list[IntArray], need: list[dict[int, int]],
           x_e: IntArray, x_a: IntArray, x_t: IntArray) -> RowBlocks:
    rows = RowBlocks()
    nx, horizon = x_e.size, p.horizon
    cols = np.arange(nx)
    rows.add(x_e, cols, np.ones(nx), p.n, -np.inf, 1.0)
    rep, week = _spread(cols, p.dur[x_e], x_t)
    rows.add(x_a[rep] * horizon + week, rep, np.ones(rep.size), len(p.area_ids) * horizon,
             -np.inf, np.repeat(p.capacity.astype(float), horizon))
    # Pool k, week w: places filled (exercise weeks plus rest) <= its units free that week.
    q_of = np.zeros((p.n, len(members)))
    for e, mine in enumerate(need):
        for k, q in mine.items():
            q_of[e, k] = q
    rep, week = _spread(cols, p.dur[x_e] + p.rest, x_t)
    pe, pk = np.nonzero(q_of[x_e[rep]])
    free = np.stack([(~p.blocked[m]).sum(axis=0) for m in members]) if members else \
        np.zeros((0, horizon))
    rows.add(pk * horizon + week[pe], rep[pe], q_of[x_e[rep[pe]], pk],
             len(members) * horizon, -np.inf, free.reshape(-1).astype(float))
    for j, ps in enumerate(p.preds):  # started(j) by week t <= ended(i) by week t
        sj = np.flatnonzero(x_e == j)
        for i in ps:
            si = np.flatnonzero(x_e == i)
            ts = np.arange(int(p.lo[j]), int(p.hi[j]) + 1)
            rr, cc, vv = [], [], []
            for k, t in enumerate(ts):
                a_cols, b_cols = sj[x_t[sj] <= t], si[x_t[si] <= t - p.dur[i]]
                rr.append(np.full(a_cols.size + b_cols.size, k))
                cc.append(np.concatenate([a_cols, b_cols]))
                vv.append(np.concatenate([np.ones(a_cols.size), -np.ones(b_cols.size)]))
            rows.add(np.concatenate(rr), np.concatenate(cc), np.concatenate(vv), ts.size,
                     -np.inf, 0.0)
    return rows


def assign_units(p: ExerciseProblem, start: IntArray, area: IntArray
                 ) -> tuple[Schedule, list[int]]:
    """Units for the exercises ``start`` holds (weeks and areas kept); those not staffed dropped.

    Exercises are staffed in start order (``after`` puts prerequisites first). Of the free
    units a need may take, those whose free run from the start week is shortest but long
    enough go first, so long free stretches stay for later exercises.
    """
    busy = p.blocked.copy()
    out_start = np.full(p.n, -1, dtype=np.int64)
    out_area = np.full(p.n, -1, dtype=np.int64)
    units: list[list[list[int]]] = [[] for _ in range(p.n)]
    dropped: list[int] = []
    held = [e for e in range(p.n) if start[e] >= 0]
    for e in sorted(held, key=lambda e: (int(start[e]), -int(p.value[e]), e)):
        if any(out_start[i] < 0 for i in p.preds[e]):
            dropped.append(e)
            continue
        t, span = int(start[e]), int(p.dur[e]) + p.rest
        picks = _staff(p, e, t, busy)
        if picks is not None:
            out_start[e], out_area[e], units[e] = t, int(area[e]), picks
            for need in picks:
                busy[need, t:t + span] = True
            continue
        dropped.append(e)
    return Schedule(out_start, out_area, units), sorted(dropped)


def value_bound(p: ExerciseProblem, time_limit: float) -> AggregateBound:
    """The pooled model solved on HiGHS within ``time_limit`` seconds: bound and plan."""
    t0 = time.perf_counter()
    total = int(p.value.sum())
    members, need = pools(p)
    run = _free_runs(p.blocked)
    x_e, x_a, x_t = _columns(p, members, need, run)
    nx = x_e.size
    if nx == 0:
        empty = Schedule(np.full(p.n, -1, np.int64), np.full(p.n, -1, np.int64),
                         [[] for _ in range(p.n)])
        return AggregateBound(0, "optimal", empty, 0, 0, time.perf_counter() - t0, [])
    a, lo, hi = _model(p, members, need, x_e, x_a, x_t).matrix(nx)
    # No incumbent is handed to HiGHS: with one (setSolution) this HiGHS returned the
    # incumbent's columns while reporting the better optimum's objective (46 against 50 on a
    # 14-exercise test case). The model solves in well under a second without it, and the
    # caller keeps the incumbent when the pooled plan is worse.
    left = max(0.05, time_limit - (time.perf_counter() - t0))
    sol = solve_milp(p.value[x_e].astype(float), a, lo, hi, np.zeros(nx), np.ones(nx),
                     np.ones(nx, dtype=bool), maximize=True, time_limit=left)
    bound = total
    if np.isfinite(sol.bound):
        bound = min(total, int(np.floor(sol.bound + 1e-6)))
    if sol.status == "infeasible":  # nothing held is always a schedule: cannot happen
        bound = 0
    schedule: Schedule | None = None
    dropped: list[int] = []
    relaxed = 0
    if sol.x is not None:
        on = sol.x > 0.5
        start = np.full(p.n, -1, dtype=np.int64)
        area = np.full(p.n, -1, dtype=np.int64)
        start[x_e[on]], area[x_e[on]] = x_t[on], x_a[on]
        relaxed = int(p.value[start >= 0].sum())
        schedule, dropped = assign_units(p, start, area)
    return AggregateBound(bound, sol.status if sol.status in ("optimal", "feasible")
                          else "unknown", schedule, relaxed, nx,
                          time.perf_counter() - t0, dropped)


def fill_in(p: ExerciseProblem, s: Schedule) -> Schedule:
    """``s`` with exercises it leaves out inserted where room and units allow (a local step).

    The most valuable first; each in its first week and area with room whose prerequisites
    are held and over, with units free for its weeks and rest (shortest fitting free run
    first). Nothing held is moved, so ``s``'s rules hold and the value never falls.
    """
    start, area = s.start.copy(), s.area.copy()
    units = [[list(n) for n in ns] for ns in s.units]
    busy = p.blocked.copy()
    used = np.zeros((len(p.area_ids), p.horizon), dtype=np.int64)
    for h in np.flatnonzero(start >= 0):
        t, d = int(start[h]), int(p.dur[h])
        used[area[h], t:t + d] += 1
        for need in units[h]:
            busy[need, t:t + d + p.rest] = True
    changed = True
    while changed:  # an insertion can open the way for an exercise waiting on it
        changed = False
        for e in sorted(map(int, np.flatnonzero(start < 0)), key=lambda x: (-int(p.value[x]), x)):
            if any(start[i] < 0 for i in p.preds[e]):
                continue
            t0 = max([int(p.lo[e])] + [int(start[i] + p.dur[i]) for i in p.preds[e]])
            d, span = int(p.dur[e]), int(p.dur[e]) + p.rest
            for t in range(t0, int(p.hi[e]) + 1):
                room = [a for a in p.areas[e] if (used[a, t:t + d] < p.capacity[a]).all()]
                picks = _staff(p, e, t, busy) if room else None
                if picks is None:
                    continue
                start[e], area[e], units[e] = t, room[0], picks
                used[room[0], t:t + d] += 1
                for need in picks:
                    busy[need, t:t + span] = True
                changed = True
                break
    return Schedule(start, area, units)


def _staff(p: ExerciseProblem, e: int, t: int, busy: NDArray[np.bool_]) -> list[list[int]] | None:
    """Units for each need of ``e`` started in week ``t`` (shortest fitting free run first)."""
    span = int(p.dur[e]) + p.rest
    taken: set[int] = set()
    picks: list[list[int]] = []
    for q, cands in p.needs[e]:
        c = np.array([u for u in cands if u not in taken], dtype=np.int64)
        if c.size:
            window = busy[c, t:]
            has = window.any(axis=1)
            room = np.where(has, window.argmax(axis=1), window.shape[1])
            c, room = c[room >= span], room[room >= span]
        if c.size < q:
            return None
        pick = c[np.lexsort((c, room))[:q]].tolist()
        picks.append(pick)
        taken.update(pick)
    return picks
