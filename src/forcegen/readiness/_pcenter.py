"""Exact p-center: bisection on the radius with a set-cover feasibility MILP.

The optimal worst time is one of the distinct entries of the cost matrix. For a radius ``r``,
"can ``p`` sites reach every sector within ``r``?" is a set-cover feasibility problem
(``sum_{i: d_ij <= r} y_i >= 1`` for every sector, ``sum y <= p``), which HiGHS settles fast
because the LP relaxation is tight on these matrices. Bisection over the sorted distinct
values between a lower bound (every sector's nearest site) and the heuristic's worst time takes
about ``log2(#values)`` such solves. This is the classical approach of Minieka (1970) and
Daskin (2000), also used by Elloumi, Labbé & Pochet (2004) as their reference.

The proven gap is ``(best feasible - largest radius proven infeasible's successor) / best``
when the time limit stops the search early.
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp

from forcegen.readiness._heuristics import finite_costs, pcenter_interchange
from forcegen.readiness._highs import solve_milp
from forcegen.readiness._siting import Siting

__all__ = ["cover_feasible", "pcenter_exact"]


def cover_feasible(
    cost: np.ndarray,
    radius: float,
    p: int,
    fixed: np.ndarray,
    *,
    time_limit: float | None = None,
) -> tuple[str, np.ndarray | None]:
    """Whether ``p`` open sites (``fixed`` among them) reach every sector within ``radius``.

    Returns
    -------
    status, open_idx
        ``optimal`` with a covering set, ``infeasible``, or ``feasible`` / ``error`` with
        ``None`` when the time limit ended the search undecided.
    """
    m, n = cost.shape
    cover = (cost <= radius).T  # sectors x sites
    if not cover.any(axis=1).all():
        return "infeasible", None
    a = sp.vstack([sp.csr_array(cover.astype(np.float64)), sp.csr_array(np.ones((1, m)))])
    lo = np.concatenate((np.ones(n), [0.0]))
    hi = np.concatenate((np.full(n, np.inf), [float(p)]))
    col_lo = np.zeros(m)
    col_lo[fixed] = 1.0
    sol = solve_milp(
        np.zeros(m), a, lo, hi, col_lo, np.ones(m), np.ones(m, dtype=bool),
        time_limit=time_limit,
    )
    if sol.x is not None and sol.status in ("optimal", "feasible"):
        return "optimal", np.flatnonzero(sol.x > 0.5)
    return sol.status if sol.status == "infeasible" else "error", None


def pcenter_exact(
    cost: np.ndarray,
    p: int,
    fixed: np.ndarray | None = None,
    *,
    time_limit: float | None = None,
) -> Siting:
    """Minimize the longest time from any sector to its nearest open site.

    Parameters
    ----------
    cost
        Sites x sectors times (``inf`` = cannot serve).
    p
        Number of open sites, ``fixed`` included.
    fixed
        Sites that must stay open.
    time_limit
        Seconds for the whole bisection.

    Returns
    -------
    Siting
        ``objective`` is the worst time in hours.
    """
    t0 = time.perf_counter()
    fixed = np.zeros(0, dtype=np.intp) if fixed is None else np.asarray(fixed, dtype=np.intp)
    fin = finite_costs(cost)
    best_idx = pcenter_interchange(fin, p, fixed)
    best = float(cost[best_idx].min(axis=0).max())
    lower = float(cost.min(axis=0).max())
    if len(fixed) == p:
        return Siting("optimal", fixed.copy(), best, best, 0.0, "exact", time.perf_counter() - t0)
    values = np.unique(cost[np.isfinite(cost)])
    values = values[(values >= lower) & (values < best)]
    lo, hi = 0, len(values)  # values[hi:] feasible (best), values[:lo] proven infeasible
    status = "optimal"
    while lo < hi:
        mid = (lo + hi) // 2
        left = None if time_limit is None else time_limit - (time.perf_counter() - t0)
        if left is not None and left <= 0:
            status = "feasible"
            break
        verdict, idx = cover_feasible(cost, float(values[mid]), p, fixed, time_limit=left)
        if verdict == "optimal" and idx is not None:
            best_idx, hi = idx, mid
            best = float(cost[idx].min(axis=0).max())
        elif verdict == "infeasible":
            lo = mid + 1
        else:
            status = "feasible"
            break
    bound = float(values[lo]) if lo < len(values) else best
    bound = max(bound, lower) if status == "feasible" else best
    gap = 0.0 if status == "optimal" else (best - bound) / max(best, 1e-9)
    if not math.isfinite(best):
        status, gap = "infeasible", math.inf
    return Siting(status, np.sort(best_idx), best, bound, gap, "exact", time.perf_counter() - t0)
