"""The roster's HiGHS model from arrays: rows, one stage's solve, points, capability parts.

Shared by :mod:`._roster_milp` (the whole roster) and :mod:`._roster_parts` (capability by
capability).
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from forcegen.deployment.milp import RowBlocks
from forcegen.exercises.roster import IntArray, RosterProblem
from forcegen.readiness._highs import solve_milp

__all__ = ["capability_part", "point_of", "rows_of", "solve_stage"]


def rows_of(p: RosterProblem) -> tuple[RowBlocks, int]:
    """Rest rows per unit and month, cover rows per capability and month, burden rows."""
    nt = p.tour_unit.size
    n_caps, months = len(p.caps), p.months
    rows = RowBlocks()
    j = np.arange(nt)
    # unit u busy in month t by tour j when start <= t < start + tour + rest
    span = np.minimum(p.span, months - p.tour_start)
    rep = np.repeat(j, span)
    week = p.tour_start[rep] + (np.arange(rep.size) - np.repeat(np.cumsum(span) - span, span))
    rows.add(p.tour_unit[rep] * months + week, rep, np.ones(rep.size),
             len(p.unit_ids) * months, -np.inf, 1.0)
    # coverage: sum of tours on standby in month t + s[c, t] >= need[c]
    rep = np.repeat(j, p.tour_len)
    week = p.tour_start[rep] + (np.arange(rep.size) - np.repeat(np.cumsum(p.tour_len)
                                                                - p.tour_len, p.tour_len))
    cap = p.unit_cap[p.tour_unit[rep]]
    s_cols = nt + np.arange(n_caps * months)
    rows.add(np.concatenate([cap * months + week, np.arange(n_caps * months)]),
             np.concatenate([rep, s_cols]), np.ones(rep.size + s_cols.size),
             n_caps * months, 0.0, np.inf)
    rows.lo[-1] = np.repeat(p.need.astype(float), months)
    # burden: z - sum over a nation's tours of their months >= 0
    nations = sorted(set(p.unit_nation))
    n_index = {n: i for i, n in enumerate(nations)}
    nat = np.array([n_index[p.unit_nation[u]] for u in p.tour_unit], dtype=np.int64)
    z_col = nt + n_caps * months
    rows.add(np.concatenate([nat, np.arange(len(nations))]),
             np.concatenate([j, np.full(len(nations), z_col)]),
             np.concatenate([-p.tour_len.astype(float), np.ones(len(nations))]),
             len(nations), 0.0, np.inf)
    return rows, z_col + 1


def solve_stage(name: str, c: np.ndarray, model: tuple[sp.csr_array, np.ndarray, np.ndarray],
           bounds: tuple[np.ndarray, np.ndarray, np.ndarray], start: np.ndarray,
           deadline: float) -> tuple[np.ndarray, int, int, bool]:
    """One stage: the best point (or ``start`` when none better), its value, bound, proof."""
    a, lo, hi = model
    lb, ub, integer = bounds
    sol = solve_milp(c, a, lo, hi, lb, ub, integer, start=start, rel_gap=0.0,
                     time_limit=max(0.05, deadline - time.perf_counter()))
    x = start if sol.x is None or c @ sol.x > c @ start + 1e-6 else np.rint(sol.x)
    value = round(float(c @ x))
    bound = value if sol.status == "optimal" else int(np.ceil(sol.bound - 1e-6)) \
        if np.isfinite(sol.bound) else 0
    return x, value, min(bound, value), sol.status == "optimal"


def point_of(p: RosterProblem, chosen: IntArray, ncol: int) -> np.ndarray:
    """The full column vector of a roster (shortfall and burden columns filled in)."""
    nt, months = p.tour_unit.size, p.months
    x = np.zeros(ncol)
    x[chosen] = 1.0
    x[nt:nt + len(p.caps) * months] = np.maximum(
        p.need[:, None] - p.coverage(chosen), 0).ravel()
    burden: dict[str, int] = {}
    for j in chosen:
        n = p.unit_nation[p.tour_unit[j]]
        burden[n] = burden.get(n, 0) + int(p.tour_len[j])
    x[-1] = max(burden.values(), default=0)
    return x


def capability_part(p: RosterProblem, c: int) -> tuple[RosterProblem, IntArray]:
    """The roster of capability ``c`` alone (its units and tours), and its tours' indices."""
    idx = np.flatnonzero(p.unit_cap[p.tour_unit] == c)
    units = np.flatnonzero(p.unit_cap == c)
    local = np.full(len(p.unit_ids), -1, dtype=np.int64)
    local[units] = np.arange(units.size)
    sub = RosterProblem(
        months=p.months, tour_months=p.tour_months, rest_months=p.rest_months,
        caps=[p.caps[c]], need=p.need[c:c + 1], unit_ids=[p.unit_ids[u] for u in units],
        unit_cap=np.zeros(units.size, dtype=np.int64),
        unit_nation=[p.unit_nation[u] for u in units], tour_unit=local[p.tour_unit[idx]],
        tour_start=p.tour_start[idx], tour_len=p.tour_len[idx])
    return sub, idx
