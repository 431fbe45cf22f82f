"""Allocation of stock types (ammunition, fuel, spare parts, medical) to depots under a budget.

Model (HiGHS, one MILP)::

    min  sum_ijt c_ij a_ijt + sum_jt P_t s_jt
    s.t. sum_i a_ijt + s_jt = D_jt                         every sector's demand, per stock type
         sum_jt a_ijt <= Q_i y_i                           depot capacity (tons)
         a_ijt <= D_jt y_i                                 stock only at open depots
         sum_i f_i y_i (new sites) + sum_ijt price_t a_ijt <= B
         y binary; existing sites y_i = 1; a, s >= 0

``a_ijt`` = tons of type ``t`` held at depot ``i`` for sector ``j``; ``s_jt`` = tons that cannot
be pre-positioned. The shortfall penalty ``P_t = weight_t * (max c + 1)`` makes one more ton
positioned always worth more than moving any ton to a nearer depot, so the model first
positions as much (priority-weighted) stock as the budget buys and then minimizes ton-hours.
Opening a new site costs its ``fixed_cost`` out of the same budget.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from forcegen.exceptions import OptionError
from forcegen.readiness._highs import solve_milp
from forcegen.readiness._result import PrepositionResult
from forcegen.readiness._siting import Siting

__all__ = ["DEFAULT_STOCK_PRICES", "StockPlan", "allocate_stocks", "stocks_exact"]

#: Illustrative purchase-and-storage prices per ton (scenario currency) used when the scenario
#: gives none under ``x-stock-prices``. Orders of magnitude only; planners should set their own.
DEFAULT_STOCK_PRICES: dict[str, float] = {
    "ammunition": 30_000.0,
    "fuel": 1_200.0,
    "spare_parts": 50_000.0,
    "spare parts": 50_000.0,
    "medical": 40_000.0,
}


@dataclass(frozen=True, slots=True)
class StockPlan:
    """Tons per depot, sector and stock type, with what could not be positioned.

    Attributes
    ----------
    siting
        Open depots, status, objective (ton-hours + shortfall penalty), bound, gap.
    amount
        Array ``sites x sectors x types`` of tons held (``None`` without a solution).
    short
        Array ``sectors x types`` of tons not positioned.
    spent
        Budget used (opening costs of new sites + stock prices).
    ton_hours
        Sum of tons x hours over the allocation.
    """

    siting: Siting
    amount: np.ndarray | None
    short: np.ndarray | None
    spent: float
    ton_hours: float


def stocks_exact(
    cost: np.ndarray,
    demand: np.ndarray,
    capacity: np.ndarray,
    fixed_cost: np.ndarray,
    price: np.ndarray,
    budget: float,
    *,
    existing: np.ndarray | None = None,
    allowed: np.ndarray | None = None,
    weight: np.ndarray | None = None,
    time_limit: float | None = None,
) -> StockPlan:
    """Place stocks at depots under a budget.

    Parameters
    ----------
    cost
        Sites x sectors hours (``inf`` = cannot serve).
    demand
        Sectors x types tons.
    capacity
        Tons per site (``inf`` = unlimited).
    fixed_cost
        Opening cost per site (0 when unknown); not charged for ``existing`` sites.
    price
        Price per ton per type.
    budget
        Money available for new sites and stock.
    existing
        Indices of sites already open.
    allowed
        Boolean mask of sites that may be used (default: all).
    weight
        Priority weight per type (default 1).
    time_limit
        Seconds for HiGHS.
    """
    t0 = time.perf_counter()
    m, n = cost.shape
    d = np.asarray(demand, dtype=np.float64).reshape(n, -1)
    nt = d.shape[1]
    existing = np.zeros(0, np.intp) if existing is None else np.asarray(existing, np.intp)
    allowed = np.ones(m, bool) if allowed is None else np.asarray(allowed, bool)
    wt = np.ones(nt) if weight is None else np.asarray(weight, dtype=np.float64)
    f = np.asarray(fixed_cost, dtype=np.float64).copy()
    f[existing] = 0.0
    q = np.asarray(capacity, dtype=np.float64)
    fin = np.isfinite(cost)
    cmax = float(cost[fin].max()) if fin.any() else 0.0
    pen = wt * (cmax + 1.0)

    pairs = fin & allowed[:, None]
    ii, jj = np.nonzero(pairs)
    # Variables a_ijt for each usable pair and each type with demand.
    rep_i = np.repeat(ii, nt)
    rep_j = np.repeat(jj, nt)
    rep_t = np.tile(np.arange(nt), len(ii))
    use = d[rep_j, rep_t] > 0
    ai, aj, at = rep_i[use], rep_j[use], rep_t[use]
    k = len(ai)
    dj = d.reshape(-1)
    has = np.flatnonzero(dj > 0)  # (j, t) rows with demand
    row_of = np.full(n * nt, -1)
    row_of[has] = np.arange(len(has))
    ns = len(has)
    # Columns: y (m), a (k), s (ns).
    acol = m + np.arange(k)
    scol = m + k + np.arange(ns)
    r_dem = row_of[aj * nt + at]
    r_cap = ns + ai
    r_link = ns + m + np.arange(k)
    r_bud = ns + m + k
    rows = np.concatenate(
        (r_dem, np.arange(ns), r_cap, ns + np.arange(m), r_link, r_link,
         np.full(k, r_bud), np.full(m, r_bud))
    )
    cols = np.concatenate((acol, scol, acol, np.arange(m), acol, ai, acol, np.arange(m)))
    qcap = np.where(np.isfinite(q), q, d.sum())
    vals = np.concatenate(
        (np.ones(k), np.ones(ns), np.ones(k), -qcap, np.ones(k), -dj[aj * nt + at],
         np.asarray(price, dtype=np.float64)[at], f)
    )
    n_col = m + k + ns
    a = sp.coo_array((vals, (rows, cols)), shape=(r_bud + 1, n_col)).tocsr()
    lo = np.concatenate((dj[has], np.full(m + k + 1, -np.inf)))
    hi = np.concatenate((dj[has], np.zeros(m + k), [float(budget)]))
    c = np.concatenate((np.zeros(m), cost[ai, aj], pen[has % nt]))
    col_lo = np.zeros(n_col)
    col_lo[existing] = 1.0
    col_hi = np.concatenate((np.where(allowed, 1.0, 0.0), np.full(k + ns, np.inf)))
    col_hi[existing] = 1.0
    integer = np.zeros(n_col, dtype=bool)
    integer[:m] = True
    sol = solve_milp(c, a, lo, hi, col_lo, col_hi, integer, time_limit=time_limit)
    secs = time.perf_counter() - t0
    if sol.x is None:
        return StockPlan(
            Siting(sol.status, None, np.nan, sol.bound, np.inf, "exact", secs),
            None, None, 0.0, np.nan,
        )
    amount = np.zeros((m, n, nt))
    amount[ai, aj, at] = np.maximum(sol.x[acol], 0.0)
    short = np.zeros(n * nt)
    short[has] = np.maximum(sol.x[scol], 0.0)
    # A site the solver opened but left empty costs budget for nothing: report it closed.
    used = amount.sum(axis=(1, 2)) > 1e-9
    used[existing] = True
    open_idx = np.flatnonzero((sol.x[:m] > 0.5) & used)
    spent = float(f[open_idx].sum() + (amount.sum(axis=(0, 1)) * price).sum())
    ton_hours = float((amount.sum(axis=2)[pairs] * cost[pairs]).sum())
    siting = Siting(sol.status, open_idx, sol.objective, sol.bound, sol.gap, "exact", secs)
    return StockPlan(siting, amount, short.reshape(n, nt), spent, ton_hours)


def allocate_stocks(
    cost: np.ndarray,
    stocks: np.ndarray,
    stock_types: Sequence[str],
    site_ids: Sequence[str],
    sector_ids: Sequence[str],
    *,
    budget: float,
    price: Sequence[float] | np.ndarray,
    capacity: Sequence[float | None] | np.ndarray | None = None,
    fixed_cost: Sequence[float | None] | np.ndarray | None = None,
    existing: Sequence[bool] | np.ndarray | None = None,
    allowed: Sequence[bool] | np.ndarray | None = None,
    weight: Sequence[float] | np.ndarray | None = None,
    time_limit: float | None = None,
) -> PrepositionResult:
    """Decide how many tons of each stock type each depot holds for each sector.

    Parameters
    ----------
    cost
        Sites x sectors hours.
    stocks
        Sectors x types tons wanted (``Sector.stocks``).
    stock_types
        Names of the type columns.
    site_ids, sector_ids
        Row and column ids.
    budget
        Money for new sites (their ``fixed_cost``) and for the stock (``price`` per ton).
    price
        Price per ton per type.
    capacity
        Tons per site (``None`` = unlimited).
    fixed_cost
        Opening cost per site (``None`` = 0); existing sites cost nothing.
    existing
        Mask of sites already open.
    allowed
        Mask of sites that may hold stock (e.g. those chosen by a siting run).
    weight
        Priority weight per type (default 1 each).
    time_limit
        Seconds for HiGHS.

    Returns
    -------
    PrepositionResult
        ``kind="stocks"``; ``objective`` = ton-hours + shortfall penalty (the value minimized),
        ``total`` = ton-hours, ``allocation`` = tons per (site, sector) over all types, and in
        ``extra``: ``stock_allocation`` (per type), ``shortfalls``, ``positioned``, ``spent``,
        ``budget``.
    """
    m, n = cost.shape
    d = np.asarray(stocks, dtype=np.float64).reshape(n, len(stock_types))
    if np.any(~np.isfinite(d)) or np.any(d < 0):
        raise OptionError("stock demand must be finite tons >= 0")
    if not (math.isfinite(budget) and budget >= 0):
        raise OptionError(f"{{budget}} must be a number >= 0, got {budget}", "budget")
    pr = np.asarray(price, dtype=np.float64)
    if pr.shape != (len(stock_types),) or np.any(pr < 0):
        raise OptionError("need one price >= 0 per stock type")
    q = np.full(m, np.inf) if capacity is None else np.array(
        [np.inf if v is None else float(v) for v in capacity])
    f = np.zeros(m) if fixed_cost is None else np.array(
        [0.0 if v is None else float(v) for v in fixed_cost])
    ex = np.flatnonzero(np.zeros(m, bool) if existing is None else np.asarray(existing, bool))
    al = None if allowed is None else np.asarray(allowed, bool) | np.isin(np.arange(m), ex)
    plan = stocks_exact(
        cost, d, q, f, pr, budget, existing=ex, allowed=al,
        weight=None if weight is None else np.asarray(weight, dtype=np.float64),
        time_limit=time_limit,
    )
    s = plan.siting
    if plan.amount is None or plan.short is None or s.open_idx is None:
        return PrepositionResult(s.status, math.nan, math.nan, [], [], math.inf, kind="stocks",
                                 bound=s.bound, seconds=s.seconds, extra={"budget": budget})
    per_pair = plan.amount.sum(axis=2)
    ii, jj = np.nonzero(per_pair > 1e-9)
    ai, aj, at = np.nonzero(plan.amount > 1e-9)
    sj, st = np.nonzero(plan.short > 1e-9)
    extra = {
        "budget": float(budget),
        "spent": plan.spent,
        "positioned": float(plan.amount.sum()),
        "wanted": float(d.sum()),
        "stock_allocation": [
            {"site": site_ids[i], "sector": sector_ids[j], "stock": stock_types[t],
             "amount": float(plan.amount[i, j, t])}
            for i, j, t in zip(ai.tolist(), aj.tolist(), at.tolist(), strict=True)
        ],
        "shortfalls": [
            {"sector": sector_ids[j], "stock": stock_types[t], "missing": float(plan.short[j, t])}
            for j, t in zip(sj.tolist(), st.tolist(), strict=True)
        ],
    }
    return PrepositionResult(
        status=s.status,
        objective=s.objective,
        total=plan.ton_hours,
        depots=[site_ids[i] for i in s.open_idx.tolist()],
        allocation=[(site_ids[i], sector_ids[j], float(per_pair[i, j]))
                    for i, j in zip(ii.tolist(), jj.tolist(), strict=True)],
        gap=s.gap,
        kind="stocks",
        bound=s.bound,
        seconds=s.seconds,
        extra=extra,
    )
