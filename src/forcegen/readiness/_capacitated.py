"""Capacitated facility location with fixed opening costs and split demand, on HiGHS.

Strong formulation (the one OR-Library's ``capopt`` optima are for)::

    min  sum_i f_i y_i + sum_ij c_ij d_j x_ij
    s.t. sum_i x_ij = 1                    every sector with demand is fully served
         sum_j d_j x_ij <= Q_i y_i         capacity of open sites
         x_ij <= y_i                       (disaggregated linking: a much tighter LP bound)
         sum_i Q_i y_i >= sum_j d_j        (aggregate capacity cut)
         y binary, existing sites y_i = 1, 0 <= x_ij <= 1

``c_ij`` is a cost per unit of demand; pairs with ``inf`` cost get no variable.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from forcegen.readiness._highs import solve_milp
from forcegen.readiness._siting import Siting

__all__ = ["capacitated_exact"]



def capacitated_exact(
    cost: np.ndarray,
    demand: np.ndarray,
    capacity: np.ndarray,
    fixed_cost: np.ndarray,
    existing: np.ndarray | None = None,
    *,
    time_limit: float | None = None,
) -> tuple[Siting, np.ndarray | None]:
    """Choose sites and split each sector's demand between them at least total cost.

    Parameters
    ----------
    cost
        Sites x sectors cost per unit of demand (``inf`` = cannot serve).
    demand
        Demand per sector.
    capacity
        Capacity per site, in demand units.
    fixed_cost
        Opening cost per site.
    existing
        Indices of sites that are already open (their fixed cost is still counted, as
        a constant, so the objective is comparable across plans).
    time_limit
        Seconds for HiGHS.

    Returns
    -------
    siting, flow
        The open sites (objective = fixed + transport cost) and the sites x sectors matrix of
        demand served (``None`` without a solution).
    """
    t0 = time.perf_counter()
    existing = np.zeros(0, np.intp) if existing is None else np.asarray(existing, np.intp)
    m, n = cost.shape
    d = np.asarray(demand, dtype=np.float64)
    q = np.asarray(capacity, dtype=np.float64)
    ii, jj = np.nonzero(np.isfinite(cost) & (d[None, :] > 0))
    k = len(ii)
    xcol = m + np.arange(k)
    # Rows: assignment (n), capacity (m), linking (k), aggregate (1).
    r_asg = jj
    r_cap = n + ii
    r_link = n + m + np.arange(k)
    agg = n + m + k
    rows = np.concatenate((r_asg, r_cap, np.arange(m) + n, r_link, r_link, np.full(m, agg)))
    cols = np.concatenate((xcol, xcol, np.arange(m), xcol, ii, np.arange(m)))
    vals = np.concatenate((np.ones(k), d[jj], -q, np.ones(k), -np.ones(k), q))
    a = sp.coo_array((vals, (rows, cols)), shape=(agg + 1, m + k)).tocsr()
    served = d > 0
    lo = np.concatenate((np.where(served, 1.0, 0.0), np.full(m + k, -np.inf), [d.sum()]))
    hi = np.concatenate((np.where(served, 1.0, 0.0), np.zeros(m + k), [np.inf]))
    c = np.concatenate((np.asarray(fixed_cost, dtype=np.float64), cost[ii, jj] * d[jj]))
    col_lo = np.zeros(m + k)
    col_lo[existing] = 1.0
    integer = np.zeros(m + k, dtype=bool)
    integer[:m] = True
    sol = solve_milp(c, a, lo, hi, col_lo, np.ones(m + k), integer, time_limit=time_limit)
    secs = time.perf_counter() - t0
    if sol.x is None:
        return Siting(sol.status, None, np.nan, sol.bound, np.inf, "exact", secs), None
    flow = np.zeros((m, n))
    flow[ii, jj] = np.clip(sol.x[m:], 0.0, 1.0) * d[jj]
    open_idx = np.flatnonzero(sol.x[:m] > 0.5)
    return Siting(sol.status, open_idx, sol.objective, sol.bound, sol.gap, "exact", secs), flow
