"""A time-indexed MILP of the value phase on HiGHS, kept to measure against CP-SAT.

Columns: ``x[e, a, t] = 1`` if exercise ``e`` starts in week ``t`` in area ``a``, and
``w[e, k, u, t] = 1`` if unit ``u`` fills need ``k`` of exercise ``e`` started in week ``t`` (only
weeks in which the unit is free for the exercise and its rest). Rows: each exercise at most
once; per area and week at most its capacity; per need and week exactly its quantity when the
exercise starts then; per unit and week at most one exercise (its weeks plus rest); ``after`` in
the disaggregated form (started by week t <= prerequisite ended by week t). Assembled as COO
arrays and handed to HiGHS once (see :mod:`forcegen.readiness._highs`).
"""

from __future__ import annotations

import time

import numpy as np

from forcegen.deployment.milp import RowBlocks
from forcegen.exercises.cpsat import ExercisePlan
from forcegen.exercises.problem import ExerciseProblem, Schedule, greedy_schedule
from forcegen.readiness._highs import solve_milp

__all__ = ["solve_milp_value"]


_Int = np.ndarray


def _stack(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)


def _x_columns(p: ExerciseProblem) -> tuple[_Int, _Int, _Int]:
    """Exercise, area and start week of each ``x`` column."""
    xe, xa, xt = [], [], []
    for e in range(p.n):
        ts = np.arange(p.lo[e], p.hi[e] + 1)
        for a in p.areas[e]:
            xe.append(np.full(ts.size, e))
            xa.append(np.full(ts.size, a))
            xt.append(ts)
    return _stack(xe), _stack(xa), _stack(xt)


def _w_columns(p: ExerciseProblem
               ) -> tuple[_Int, _Int, _Int, _Int, list[list[int]], int]:
    """Exercise, unit, week and need-week row of each ``w`` column (one row per (e, k, t)).

    Also the first need-week row of each need of each exercise, and the number of such rows.
    """
    we, wu, wt, wrow = [], [], [], []
    need_row0: list[list[int]] = []
    n_need_rows = 0
    for e in range(p.n):
        ts = np.arange(p.lo[e], p.hi[e] + 1)
        need_row0.append([])
        for _, cands in p.needs[e]:
            need_row0[e].append(n_need_rows)
            for u in cands:
                ok = np.array([p.free_for(u, e, int(t)) for t in ts], dtype=bool)
                we.append(np.full(int(ok.sum()), e))
                wu.append(np.full(int(ok.sum()), u))
                wt.append(ts[ok])
                wrow.append(n_need_rows + ts[ok] - p.lo[e])
            n_need_rows += ts.size
    return _stack(we), _stack(wu), _stack(wt), _stack(wrow), need_row0, n_need_rows


def _add_after(rows: RowBlocks, p: ExerciseProblem, x_e: _Int, x_t: _Int) -> None:
    """after: started(j) by week t <= started(i) by week t - d_i."""
    for j, ps in enumerate(p.preds):
        sj = np.flatnonzero(x_e == j)
        for i in ps:
            si = np.flatnonzero(x_e == i)
            ts = np.arange(p.lo[j], p.hi[j] + 1)
            rr, cc, vv = [], [], []
            for k, t in enumerate(ts):
                a_cols = sj[x_t[sj] <= t]
                b_cols = si[x_t[si] <= t - p.dur[i]]
                rr.append(np.full(a_cols.size + b_cols.size, k))
                cc.append(np.concatenate([a_cols, b_cols]))
                vv.append(np.concatenate([np.ones(a_cols.size), -np.ones(b_cols.size)]))
            rows.add(np.concatenate(rr), np.concatenate(cc), np.concatenate(vv), ts.size,
                     -np.inf, 0.0)


def _schedule(p: ExerciseProblem, x: np.ndarray, x_cols: tuple[_Int, _Int, _Int],
              w_cols: tuple[_Int, _Int, _Int], need_row0: list[list[int]]) -> Schedule:
    """The schedule read from a MILP solution (units only for exercises held)."""
    x_e, x_a, x_t = x_cols
    w_e, w_u, w_row = w_cols
    nx = x_e.size
    xs = x[:nx] > 0.5
    ws = x[nx:] > 0.5
    start = np.full(p.n, -1, dtype=np.int64)
    area = np.full(p.n, -1, dtype=np.int64)
    start[x_e[xs]] = x_t[xs]
    area[x_e[xs]] = x_a[xs]
    units: list[list[list[int]]] = [[[] for _ in p.needs[e]] for e in range(p.n)]
    for col in np.flatnonzero(ws):
        e = int(w_e[col])
        k = int(np.searchsorted(need_row0[e], w_row[col], side="right")) - 1
        units[e][k].append(int(w_u[col]))
    for e in range(p.n):
        if start[e] < 0:
            units[e] = []
    return Schedule(start, area, units)


def solve_milp_value(p: ExerciseProblem, time_limit: float = 60.0) -> ExercisePlan:
    """Most value held (no tie-break phase), for comparison with :func:`solve_cpsat`."""
    t0 = time.perf_counter()
    greedy = greedy_schedule(p)
    base_s = time.perf_counter() - t0
    H = p.horizon
    x_e, x_a, x_t = _x_columns(p)
    nx = x_e.size
    w_e, w_u, w_t, w_row, need_row0, n_need_rows = _w_columns(p)
    nw = w_e.size
    rows = RowBlocks()
    add = rows.add
    xcols = np.arange(nx)
    add(x_e, xcols, np.ones(nx), p.n, -np.inf, 1.0)
    n_a = len(p.area_ids)
    # area a, week: each x covers weeks t .. t+d-1
    d_x = p.dur[x_e]
    rep = np.repeat(xcols, d_x)
    week = x_t[rep] + (np.arange(rep.size) - np.repeat(np.cumsum(d_x) - d_x, d_x))
    add(x_a[rep] * H + week, rep, np.ones(rep.size), n_a * H, -np.inf,
        np.repeat(p.capacity.astype(float), H))
    # need k of e in week t: sum_u w - q * sum_a x[e, a, t] == 0
    q_rows, q_cols, q_vals = [w_row], [nx + np.arange(nw)], [np.ones(nw)]
    for e in range(p.n):
        sel = np.flatnonzero(x_e == e)
        for k, (q, _) in enumerate(p.needs[e]):
            q_rows.append(need_row0[e][k] + x_t[sel] - p.lo[e])
            q_cols.append(sel)
            q_vals.append(np.full(sel.size, -float(q)))
    add(np.concatenate(q_rows), np.concatenate(q_cols), np.concatenate(q_vals), n_need_rows,
        0.0, 0.0)
    # unit u, week: each w covers weeks t .. t+d+rest-1
    span = p.dur[w_e] + p.rest
    rep = np.repeat(np.arange(nw), span)
    week = w_t[rep] + (np.arange(rep.size) - np.repeat(np.cumsum(span) - span, span))
    add(w_u[rep] * H + week, nx + rep, np.ones(rep.size), len(p.unit_ids) * H, -np.inf, 1.0)
    _add_after(rows, p, x_e, x_t)
    ncol = nx + nw
    a, lo, hi = rows.matrix(ncol)
    c = np.concatenate([p.value[x_e].astype(float), np.zeros(nw)])
    sol = solve_milp(c, a, lo, hi, np.zeros(ncol),
                     np.ones(ncol), np.ones(ncol, dtype=bool), maximize=True,
                     time_limit=max(0.05, time_limit - (time.perf_counter() - t0)))
    plan = ExercisePlan("unknown", greedy, greedy.value(p), int(p.value.sum()),
                        solver="highs-time-indexed", baseline_value=greedy.value(p),
                        baseline_seconds=base_s)
    if np.isfinite(sol.bound):
        plan.bound = int(np.floor(sol.bound + 1e-6))
    if sol.x is not None:
        cand = _schedule(p, sol.x, (x_e, x_a, x_t), (w_e, w_u, w_row), need_row0)
        if cand.value(p) >= plan.value:
            plan.schedule, plan.value = cand, cand.value(p)
        plan.status = "optimal" if sol.status == "optimal" else "feasible"
        if plan.status == "optimal":
            plan.bound = plan.value
    plan.seconds = time.perf_counter() - t0
    return plan
