"""Exact maximal covering (Church & ReVelle 1974) on HiGHS.

``max sum_j w_j x_j`` s.t. ``x_j <= sum_{i: d_ij <= H} y_i``, ``sum y = p``, ``y`` binary,
``0 <= x_j <= 1`` continuous (integral at the optimum once ``y`` is). Sectors no site reaches
within ``H`` are left out of the model (they can never count). The warm start is the
p-median heuristic on 0/1 "not covered" costs.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from forcegen.readiness._heuristics import greedy_interchange
from forcegen.readiness._highs import solve_milp
from forcegen.readiness._siting import Siting

__all__ = ["covering_exact", "covering_heuristic"]


def covering_heuristic(
    cost: np.ndarray, weight: np.ndarray, p: int, within: float, fixed: np.ndarray
) -> np.ndarray:
    """Greedy + interchange on the uncovered-demand cost (0 within ``within``, else 1)."""
    return greedy_interchange((cost > within).astype(np.float64), weight, p, fixed)


def covering_exact(
    cost: np.ndarray,
    weight: np.ndarray,
    p: int,
    within: float,
    fixed: np.ndarray | None = None,
    *,
    time_limit: float | None = None,
) -> Siting:
    """Open ``p`` sites maximizing the demand reached within ``within`` hours.

    Returns
    -------
    Siting
        ``objective`` is the demand covered; ``bound`` a proven upper bound on it.
    """
    t0 = time.perf_counter()
    fixed = np.zeros(0, dtype=np.intp) if fixed is None else np.asarray(fixed, dtype=np.intp)
    m, _ = cost.shape
    w = np.asarray(weight, dtype=np.float64)
    start = covering_heuristic(cost, w, p, within, fixed)
    reach = cost <= within
    act = np.flatnonzero(reach.any(axis=0) & (w > 0))
    k = len(act)
    cover = sp.csr_array(reach[:, act].T.astype(np.float64))  # sectors x sites
    # Rows: x_j - sum_i a_ij y_i <= 0, then sum y = p. Columns: y (m), x (k).
    a = sp.vstack(
        [
            sp.hstack([-cover, sp.eye_array(k, format="csr")]),
            sp.hstack([sp.csr_array(np.ones((1, m))), sp.csr_array((1, k))]),
        ]
    )
    lo = np.concatenate((np.full(k, -np.inf), [float(p)]))
    hi = np.concatenate((np.zeros(k), [float(p)]))
    col_lo = np.zeros(m + k)
    col_lo[fixed] = 1.0
    integer = np.zeros(m + k, dtype=bool)
    integer[:m] = True
    x0 = np.zeros(m + k)
    x0[start] = 1.0
    x0[m:] = reach[start][:, act].any(axis=0)
    sol = solve_milp(
        np.concatenate((np.zeros(m), w[act])), a, lo, hi, col_lo, np.ones(m + k), integer,
        maximize=True, time_limit=time_limit, start=x0,
    )
    secs = time.perf_counter() - t0
    if sol.x is None:
        covered = float(w[reach[start].any(axis=0)].sum())
        return Siting(sol.status, start, covered, sol.bound, np.inf, "exact", secs)
    open_idx = np.flatnonzero(sol.x[:m] > 0.5)
    covered = float(w[reach[open_idx].any(axis=0)].sum())
    return Siting(sol.status, open_idx, covered, sol.bound, sol.gap, "exact", secs)
