"""A time-indexed MILP of the closure phase on HiGHS, kept to measure against CP-SAT.

Columns: ``x[i, t] = 1`` if movement ``i`` starts on day ``t`` (only days inside its window
between the earliest start and the latest start under a horizon from the greedy plan), plus
the closure ``C``. Rows: each movement starts once; precedence in the disaggregated form
(``sum_{s<=t} x[j,s] <= sum_{s<=t-d_i} x[i,s]`` for every t, a much tighter LP than the aggregated
one); lift and port use per resource and day; ``C >= start_i + d_i``. Everything is assembled as
COO arrays and handed to HiGHS once (see :mod:`forcegen.readiness._highs`).
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from forcegen.deployment.cpsat import Plan
from forcegen.deployment.problem import (
    Problem,
    critical_path_bound,
    earliest_starts,
    latest_finish,
    serial_schedule,
)
from forcegen.readiness._highs import solve_milp

__all__ = ["solve_milp_closure"]


class RowBlocks:
    """Constraint rows gathered block by block as COO triplets with their row bounds.

    Shared by the time-indexed MILPs of deployment and exercises.
    """

    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.lo: list[np.ndarray] = []
        self.hi: list[np.ndarray] = []
        self.count = 0

    def add(self, r: np.ndarray, c: np.ndarray, v: np.ndarray, n_rows: int, low: float,
            high: np.ndarray | float) -> None:
        """Append ``n_rows`` rows; ``r`` numbers them from 0 within the block.

        ``high`` is one upper bound for every row of the block or one per row.
        """
        self.rows.append(r + self.count)
        self.cols.append(c)
        self.vals.append(v)
        self.lo.append(np.full(n_rows, low))
        self.hi.append(np.broadcast_to(np.asarray(high, dtype=float), (n_rows,)))
        self.count += n_rows

    def matrix(self, ncol: int) -> tuple[sp.coo_array, np.ndarray, np.ndarray]:
        """The constraint matrix and its row lower and upper bounds."""
        a = sp.coo_array((np.concatenate(self.vals),
                          (np.concatenate(self.rows), np.concatenate(self.cols))),
                         shape=(self.count, ncol))
        return a, np.concatenate(self.lo), np.concatenate(self.hi)


def _add_precedence(rows: RowBlocks, p: Problem, es: np.ndarray, ls: np.ndarray,
                    offset: np.ndarray) -> None:
    """Precedence i -> j, disaggregated: for each t, started(j by t) <= finished(i by t)."""
    for j, ps in enumerate(p.preds):
        for i in ps:
            ts = np.arange(es[j], ls[j] + 1)
            r_list, c_list, v_list = [], [], []
            for k, t in enumerate(ts):
                cj = offset[j] + np.arange(0, t - es[j] + 1)
                last_i = min(t - p.dur[i], ls[i])
                ci = offset[i] + np.arange(0, max(0, last_i - es[i] + 1))
                r_list.append(np.full(cj.size + ci.size, k))
                c_list.append(np.concatenate([cj, ci]))
                v_list.append(np.concatenate([np.ones(cj.size), -np.ones(ci.size)]))
            rows.add(np.concatenate(r_list), np.concatenate(c_list), np.concatenate(v_list),
                     ts.size, -np.inf, 0.0)


def _add_lift_and_ports(rows: RowBlocks, p: Problem, offset: np.ndarray, day: np.ndarray,
                        horizon: int) -> None:
    """Lift and port use per day: x[i,t] is busy on days t .. t+d_i-1."""
    for r in range(len(p.resources)):
        users = np.flatnonzero((p.demand[:, r] > 0) & (p.dur > 0))
        if users.size == 0 or p.demand[users, r].sum() <= p.capacity[r]:
            continue
        rr, cc, vv = [], [], []
        for u in users.tolist():
            span = np.arange(offset[u], offset[u + 1])
            for k in range(int(p.dur[u])):
                rr.append(day[span] + k)
                cc.append(span)
                vv.append(np.full(span.size, float(p.demand[u, r])))
        rows.add(np.concatenate(rr), np.concatenate(cc), np.concatenate(vv), horizon + 1,
                 -np.inf, float(p.capacity[r]))


def solve_milp_closure(p: Problem, time_limit: float = 60.0) -> Plan:
    """Earliest closure only (no lateness phase), for comparison with :func:`solve_cpsat`.

    ``latest`` days are honoured through the start windows; ``required`` days are ignored.
    """
    t0 = time.perf_counter()
    greedy = serial_schedule(p)
    horizon = int((greedy + p.dur).max())
    base_s = time.perf_counter() - t0
    lb = critical_path_bound(p)
    es = earliest_starts(p)
    # Latest start under the horizon and precedence (backward pass).
    lf = latest_finish(p, horizon)
    ls = lf - p.dur
    if np.any(ls < es):
        return Plan("infeasible", None, None, lb, None, seconds=time.perf_counter() - t0,
                    solver="highs-time-indexed", baseline_closure=horizon)
    width = ls - es + 1
    offset = np.concatenate(([0], np.cumsum(width)))
    nx = int(offset[-1])
    col_c = nx  # closure column
    ncol = nx + 1
    day = np.concatenate([np.arange(es[i], ls[i] + 1) for i in range(p.n)])
    owner = np.repeat(np.arange(p.n), width)
    rows = RowBlocks()
    add = rows.add
    # Each movement starts exactly once.
    add(owner, np.arange(nx), np.ones(nx), p.n, 1.0, 1.0)
    # Closure: C - sum_t (t + d_i) x[i,t] >= 0.
    add(np.concatenate([owner, np.arange(p.n)]), np.concatenate([np.arange(nx),
        np.full(p.n, col_c)]), np.concatenate([-(day + p.dur[owner]), np.ones(p.n)]),
        p.n, 0.0, np.inf)
    _add_precedence(rows, p, es, ls, offset)
    _add_lift_and_ports(rows, p, offset, day, horizon)
    a, lo, hi = rows.matrix(ncol)
    c = np.zeros(ncol)
    c[col_c] = 1.0
    start_x = np.zeros(ncol)
    if np.all((p.latest < 0) | (greedy + p.dur <= p.latest)):
        start_x[offset[:-1] + (greedy - es)] = 1.0
        start_x[col_c] = horizon
    col_lo = np.zeros(ncol)
    col_lo[col_c] = lb
    col_hi = np.ones(ncol)
    col_hi[col_c] = horizon
    integer = np.ones(ncol, dtype=bool)
    sol = solve_milp(c, a, lo, hi, col_lo, col_hi, integer,
                     time_limit=max(0.05, time_limit - (time.perf_counter() - t0)),
                     start=start_x if start_x.any() else None)
    plan = Plan(sol.status if sol.status != "error" else "unknown", None, None, lb, None,
                solver="highs-time-indexed", baseline_closure=horizon, baseline_seconds=base_s)
    if np.isfinite(sol.bound):
        plan.bound = max(lb, int(np.ceil(sol.bound - 1e-6)))
    if sol.x is not None:
        x = sol.x[:nx] > 0.5
        plan.start = np.array([day[offset[i] + np.flatnonzero(x[offset[i]:offset[i + 1]])[0]]
                               for i in range(p.n)], dtype=np.int64)
        plan.closure = int((plan.start + p.dur).max())
        if plan.status == "optimal":
            plan.bound = plan.closure
    plan.seconds = time.perf_counter() - t0
    return plan
