"""Array-level pre-positioning: a sites x sectors matrix in, a `PrepositionResult` out.

Objectives
----------
``average``
    p-median, exact on the radius formulation (:mod:`._pmedian`), greedy + interchange warm start.
``worst``
    p-center, bisection over the radius with set-cover MILPs (:mod:`._pcenter`).
``coverage``
    maximal covering within ``within`` hours (:mod:`._covering`).
``capacitated``
    fixed opening costs + transport, capacities, split demand (:mod:`._capacitated`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np

from forcegen.exceptions import NetworkInputError, OptionError
from forcegen.readiness._capacitated import capacitated_exact
from forcegen.readiness._covering import covering_exact, covering_heuristic
from forcegen.readiness._heuristics import finite_costs, greedy_interchange, pcenter_interchange
from forcegen.readiness._pcenter import pcenter_exact
from forcegen.readiness._pmedian import pmedian_exact, radius_model_size
from forcegen.readiness._result import PrepositionResult, nearest_allocation
from forcegen.readiness._siting import Siting

__all__ = [
    "EXACT_NNZ_LIMIT",
    "OBJECTIVES",
    "PrepositionResult",
    "check_costs",
    "preposition",
    "preposition_capacitated",
]

OBJECTIVES: tuple[str, ...] = ("average", "worst", "coverage")
#: Above this many non-zeros in the radius model, ``method="auto"`` uses the heuristic only.
EXACT_NNZ_LIMIT = 20_000_000


def check_costs(cost: np.ndarray, site_ids: Sequence[str], sector_ids: Sequence[str]) -> None:
    """Reject matrices the models cannot use, naming the offending site and sector.

    Raises
    ------
    NetworkInputError
        Wrong shape, ``nan``, negative times, or a sector that no site can reach.
    """
    m, n = len(site_ids), len(sector_ids)
    if cost.shape != (m, n):
        raise NetworkInputError(f"cost matrix is {cost.shape}, expected {m} sites x {n} sectors")
    if m == 0:
        raise OptionError("there are no candidate depot sites (depot_sites is empty)")
    if n == 0:
        raise OptionError("there are no sectors to serve")
    bad = np.argwhere(np.isnan(cost) | (cost < 0))
    if len(bad):
        i, j = bad[0]
        raise NetworkInputError(
            f"time from site {site_ids[i]!r} to sector {sector_ids[j]!r} is {cost[i, j]}; "
            "times must be >= 0"
        )
    dead = np.flatnonzero(~np.isfinite(cost).any(axis=0))
    if len(dead):
        names = ", ".join(repr(sector_ids[j]) for j in dead[:10])
        raise NetworkInputError(f"no candidate depot site can reach sector(s) {names}")


def _fixed(existing: Sequence[bool] | np.ndarray | None, m: int) -> np.ndarray:
    if existing is None:
        return np.zeros(0, dtype=np.intp)
    return np.flatnonzero(np.asarray(existing, dtype=bool)).astype(np.intp)


def _heuristic_siting(
    objective: str, cost: np.ndarray, w: np.ndarray, p: int, fixed: np.ndarray,
    within: float | None,
) -> Siting:
    t0 = time.perf_counter()
    fin = finite_costs(cost)
    if objective == "average":
        idx = greedy_interchange(fin, w, p, fixed)
        obj = float(w @ cost[idx].min(axis=0))
        bound = float(w @ cost.min(axis=0))  # every sector at its nearest site: weak but proven
    elif objective == "worst":
        idx = pcenter_interchange(fin, p, fixed)
        obj = float(cost[idx].min(axis=0).max())
        bound = float(cost.min(axis=0).max())
    else:
        assert within is not None
        idx = covering_heuristic(cost, w, p, within, fixed)
        obj = float(w[(cost[idx] <= within).any(axis=0)].sum())
        bound = float(w[(cost <= within).any(axis=0)].sum())
    gap = abs(obj - bound) / max(abs(obj), 1e-9) if obj or bound else 0.0
    status = "optimal" if gap <= 1e-9 else "feasible"
    return Siting(status, idx, obj, bound, gap, "heuristic", time.perf_counter() - t0)


def preposition(
    cost: np.ndarray,
    demand: Sequence[float] | np.ndarray,
    site_ids: Sequence[str],
    sector_ids: Sequence[str],
    *,
    p: int,
    objective: str = "average",
    within: float | None = None,
    existing: Sequence[bool] | np.ndarray | None = None,
    time_limit: float | None = None,
    method: str = "auto",
) -> PrepositionResult:
    """Choose ``p`` depot sites for one of the response objectives.

    Parameters
    ----------
    cost
        Sites x sectors hours (``inf`` = cannot serve).
    demand
        Weight per sector (``Sector.demand``).
    site_ids, sector_ids
        Ids for the rows and columns of ``cost``.
    p
        Number of open sites, existing ones included.
    objective
        ``average`` (p-median), ``worst`` (p-center) or ``coverage`` (max covering).
    within
        Hours for ``coverage``.
    existing
        Mask of sites already open (they stay open).
    time_limit
        Seconds for the exact solver; on expiry the best solution so far is returned with
        status ``feasible`` and its proven gap.
    method
        ``exact``, ``heuristic`` (greedy + interchange, gap against a simple bound) or
        ``auto`` (exact unless the model would exceed :data:`EXACT_NNZ_LIMIT` non-zeros).

    Returns
    -------
    PrepositionResult

    Raises
    ------
    OptionError
        Unknown objective or method, ``p`` out of range, missing ``within``.
    NetworkInputError
        Negative or missing times, unreachable sectors.
    """
    cost = np.asarray(cost, dtype=np.float64)
    check_costs(cost, site_ids, sector_ids)
    m, n = cost.shape
    w = np.asarray(demand, dtype=np.float64).reshape(-1)
    if w.shape != (n,) or np.any(~np.isfinite(w)) or np.any(w < 0):
        raise OptionError("demand must be one finite number >= 0 per sector")
    if objective not in OBJECTIVES:
        raise OptionError(f"unknown objective {objective!r}; expected one of {OBJECTIVES}")
    if method not in ("auto", "exact", "heuristic"):
        raise OptionError(f"unknown method {method!r}; expected auto, exact or heuristic")
    fixed = _fixed(existing, m)
    if not 1 <= p <= m:
        raise OptionError(
            f"{{depots}} must be between 1 and the number of sites ({m}), got {p}", "depots")
    if p < len(fixed):
        raise OptionError(f"{{depots}} {p} is fewer than the {len(fixed)} existing sites", "depots")
    if objective == "coverage" and (within is None or not within >= 0):
        raise OptionError("{objective} coverage needs {within} H (hours >= 0)",
                          "objective", "within")
    if time_limit is not None and not time_limit > 0:
        raise OptionError(f"time limit must be > 0 seconds, got {time_limit}")

    use_exact = method == "exact" or (
        method == "auto"
        and (objective != "average" or radius_model_size(cost, p, fixed) <= EXACT_NNZ_LIMIT)
    )
    if not use_exact:
        siting = _heuristic_siting(objective, cost, w, p, fixed, within)
    elif objective == "average":
        start = greedy_interchange(finite_costs(cost), w, p, fixed)
        siting = pmedian_exact(cost, w, p, fixed, start=start, time_limit=time_limit)
    elif objective == "worst":
        siting = pcenter_exact(cost, p, fixed, time_limit=time_limit)
    else:
        assert within is not None
        siting = covering_exact(cost, w, p, within, fixed, time_limit=time_limit)
    return _result(siting, objective, cost, w, site_ids, sector_ids, within)


def _result(
    siting: Siting, kind: str, cost: np.ndarray, w: np.ndarray,
    site_ids: Sequence[str], sector_ids: Sequence[str], within: float | None,
) -> PrepositionResult:
    if siting.open_idx is None:
        return PrepositionResult(
            siting.status, math.nan, math.nan, [], [], math.inf, kind=kind,
            method=siting.method, bound=siting.bound, seconds=siting.seconds,
        )
    open_idx = np.asarray(siting.open_idx, dtype=np.intp)
    site_of, hours = nearest_allocation(cost, open_idx, w)
    reached = site_of >= 0
    total = float(w[reached] @ hours[reached]) if reached.all() else math.inf
    objective, bound = siting.objective, siting.bound
    extra: dict[str, object] = {}
    if kind == "average":
        wsum = float(w.sum()) or 1.0
        objective, bound = objective / wsum, bound / wsum
    if kind == "coverage":
        extra["within"] = within
        extra["uncovered"] = [sector_ids[j] for j in np.flatnonzero(hours > (within or 0)).tolist()]
    if not reached.all():
        extra["unreached"] = [sector_ids[j] for j in np.flatnonzero(~reached).tolist()]
    extra["hours"] = {
        sector_ids[j]: (float(hours[j]) if reached[j] else None) for j in range(len(w))
    }
    allocation = [
        (site_ids[int(site_of[j])], sector_ids[j], float(w[j]))
        for j in np.flatnonzero(reached).tolist()
    ]
    return PrepositionResult(
        status=siting.status,
        objective=objective,
        total=total,
        depots=[site_ids[i] for i in open_idx.tolist()],
        allocation=allocation,
        gap=siting.gap,
        kind=kind,
        method=siting.method,
        bound=bound,
        seconds=siting.seconds,
        extra=extra,
    )


def preposition_capacitated(
    cost: np.ndarray,
    demand: Sequence[float] | np.ndarray,
    capacity: Sequence[float | None] | np.ndarray,
    fixed_cost: Sequence[float | None] | np.ndarray,
    site_ids: Sequence[str],
    sector_ids: Sequence[str],
    *,
    existing: Sequence[bool] | np.ndarray | None = None,
    time_limit: float | None = None,
) -> PrepositionResult:
    """Capacitated siting: open sites and split demand at least fixed + transport cost.

    Parameters
    ----------
    cost
        Sites x sectors cost per unit of demand (hours per ton when taken from the network).
    demand
        Demand per sector.
    capacity
        Capacity per site; ``None`` / ``nan`` is an error (a site with no capacity).
    fixed_cost
        Opening cost per site (``None`` = 0).
    site_ids, sector_ids, existing, time_limit
        As in :func:`preposition`.

    Returns
    -------
    PrepositionResult
        ``objective`` = fixed + transport cost, ``total`` = transport cost only, ``allocation``
        = demand served per (site, sector), ``extra["fixed_cost"]`` = opening costs.
    """
    cost = np.asarray(cost, dtype=np.float64)
    check_costs(cost, site_ids, sector_ids)
    m, n = cost.shape
    q = np.array([np.nan if v is None else float(v) for v in capacity], dtype=np.float64)
    f = np.array([0.0 if v is None else float(v) for v in fixed_cost], dtype=np.float64)
    if q.shape != (m,) or f.shape != (m,):
        raise OptionError("capacity and fixed_cost need one value per site")
    missing = [site_ids[i] for i in np.flatnonzero(~np.isfinite(q)).tolist()]
    if missing:
        raise OptionError(
            "capacitated siting needs a capacity for every site; missing for "
            + ", ".join(map(repr, missing[:10]))
        )
    if np.any(q < 0) or np.any(f < 0) or np.any(~np.isfinite(f)):
        raise OptionError("capacity and fixed_cost must be >= 0")
    d = np.asarray(demand, dtype=np.float64).reshape(-1)
    if d.shape != (n,) or np.any(d < 0) or np.any(~np.isfinite(d)):
        raise OptionError("demand must be one finite number >= 0 per sector")
    if time_limit is not None and not time_limit > 0:
        raise OptionError(f"time limit must be > 0 seconds, got {time_limit}")
    fixed = _fixed(existing, m)
    siting, flow = capacitated_exact(cost, d, q, f, fixed, time_limit=time_limit)
    extra: dict[str, object] = {"capacity": float(q.sum()), "demand": float(d.sum())}
    if flow is None or siting.open_idx is None:
        if siting.status == "infeasible":
            extra["reason"] = (
                f"total capacity {q.sum():g} of sites that can serve is less than the demand "
                f"{d.sum():g}, or some sector's demand cannot fit in the sites that reach it"
            )
        return PrepositionResult(
            siting.status, math.nan, math.nan, [], [], math.inf, kind="capacitated",
            bound=siting.bound, seconds=siting.seconds, extra=extra,
        )
    ii, jj = np.nonzero(flow > 1e-9)
    transport = float((flow[ii, jj] * cost[ii, jj]).sum())
    extra["fixed_cost"] = float(f[siting.open_idx].sum())
    return PrepositionResult(
        status=siting.status,
        objective=siting.objective,
        total=transport,
        depots=[site_ids[i] for i in siting.open_idx.tolist()],
        allocation=[
            (site_ids[i], sector_ids[j], float(flow[i, j]))
            for i, j in zip(ii.tolist(), jj.tolist(), strict=True)
        ],
        gap=siting.gap,
        kind="capacitated",
        method="exact",
        bound=siting.bound,
        seconds=siting.seconds,
        extra=extra,
    )
