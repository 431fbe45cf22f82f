"""Greedy construction and vertex-substitution (interchange) local search.

Used on their own for cases too large for the exact models, and as warm starts for HiGHS.
Every move is evaluated for all (entering, leaving) pairs at once with numpy, using each
sector's closest and second-closest open site (Whitaker's fast interchange), so one
improvement step costs a few sites x sectors array operations.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = [
    "finite_costs",
    "greedy_interchange",
    "iterated_interchange",
    "pcenter_interchange",
    "set_value",
]


def finite_costs(cost: np.ndarray) -> np.ndarray:
    """Copy of ``cost`` with ``inf`` replaced by a value larger than any real solution."""
    out = np.array(cost, dtype=np.float64)
    fin = np.isfinite(out)
    big = (float(out[fin].max()) + 1.0) * (out.shape[1] + 1) if fin.any() else 1.0
    out[~fin] = big
    return out


def _closest_two(cost: np.ndarray, open_idx: np.ndarray) -> tuple[np.ndarray, ...]:
    sub = cost[open_idx]
    if len(open_idx) == 1:
        c1 = np.zeros(cost.shape[1], dtype=np.intp)
        d1 = sub[0]
        d2 = np.full_like(d1, np.inf)
        return open_idx[c1], d1, d2
    part = np.argpartition(sub, 1, axis=0)[:2]
    cols = np.arange(cost.shape[1])
    a, b = sub[part[0], cols], sub[part[1], cols]
    first = np.where(a <= b, part[0], part[1])
    d1 = np.minimum(a, b)
    d2 = np.maximum(a, b)
    return open_idx[first], d1, d2


def set_value(cost: np.ndarray, weight: np.ndarray, open_idx: np.ndarray) -> float:
    """Demand-weighted sum of each sector's time to its nearest open site."""
    return float(weight @ cost[np.asarray(open_idx)].min(axis=0))


def _greedy(
    cost: np.ndarray, weight: np.ndarray, p: int, fixed: np.ndarray
) -> np.ndarray:
    m = cost.shape[0]
    chosen = list(fixed)
    d1 = cost[fixed].min(axis=0) if len(fixed) else np.full(cost.shape[1], np.inf)
    while len(chosen) < p:
        cand = np.minimum(cost, d1[None, :])
        cand[~np.isfinite(cand)] = np.finfo(np.float64).max / (cost.shape[1] + 1)
        val = cand @ weight
        val[chosen] = np.inf
        best = int(np.argmin(val))
        chosen.append(best)
        d1 = np.minimum(d1, cost[best])
        if len(chosen) >= m:
            break
    return np.array(sorted(chosen), dtype=np.intp)


def greedy_interchange(
    cost: np.ndarray,
    weight: np.ndarray,
    p: int,
    fixed: np.ndarray | None = None,
    *,
    max_moves: int = 10_000,
) -> np.ndarray:
    """p-median heuristic: greedy adding, then best-improvement vertex substitution.

    Parameters
    ----------
    cost
        Sites x sectors, finite (see :func:`finite_costs`).
    weight
        Demand per sector.
    p
        Number of open sites (including ``fixed``).
    fixed
        Sites that must stay open.
    max_moves
        Safety cap on improving swaps.

    Returns
    -------
    numpy.ndarray
        Sorted indices of the ``p`` open sites.
    """
    fixed = np.zeros(0, dtype=np.intp) if fixed is None else np.asarray(fixed, dtype=np.intp)
    open_idx = _greedy(cost, weight, p, fixed)
    if p >= cost.shape[0]:
        return open_idx
    return _interchange(cost, weight, open_idx, fixed, max_moves)


def _interchange(
    cost: np.ndarray, weight: np.ndarray, open_idx: np.ndarray, fixed: np.ndarray,
    max_moves: int,
) -> np.ndarray:
    """Best-improvement vertex substitution from ``open_idx`` to a local optimum."""
    m, n = cost.shape
    is_fixed = np.zeros(m, dtype=bool)
    is_fixed[fixed] = True
    cols = np.arange(n)
    for _ in range(max_moves):
        is_open = np.zeros(m, dtype=bool)
        is_open[open_idx] = True
        c1, d1, d2 = _closest_two(cost, open_idx)
        a = np.minimum(cost, d1[None, :])  # every entering site, no site leaving
        term1 = (a - d1[None, :]) @ weight
        # Extra cost when the leaving site r is some sector's closest one.
        b = np.minimum(cost, d2[None, :]) - a
        onehot = sp.csr_array((weight, (cols, c1)), shape=(n, m))
        delta = term1[:, None] + (onehot.T @ b.T).T
        delta[is_open, :] = np.inf
        delta[:, ~is_open | is_fixed] = np.inf
        k = int(np.argmin(delta))
        i_in, r_out = divmod(k, m)
        if not delta.flat[k] < -1e-9 * max(1.0, abs(float(weight @ d1))):
            break
        open_idx = np.array(sorted({*open_idx.tolist(), i_in} - {r_out}), dtype=np.intp)
    return open_idx


def iterated_interchange(
    cost: np.ndarray,
    weight: np.ndarray,
    open_idx: np.ndarray,
    fixed: np.ndarray | None = None,
    *,
    rounds: int = 8,
    seed: int = 0,
    max_moves: int = 10_000,
) -> np.ndarray:
    """Iterated local search from a local optimum: kick, re-optimize, keep the better.

    Each round replaces two or three open sites (not ``fixed``) by closed sites near the
    sectors they served, runs the interchange again and keeps the result if it is cheaper.
    Deterministic for a given ``seed``. Used to sharpen the warm start of the exact model,
    where a better incumbent prunes more of the search.

    Parameters
    ----------
    cost, weight, fixed, max_moves
        As in :func:`greedy_interchange`.
    open_idx
        Starting open sites (a local optimum, e.g. from :func:`greedy_interchange`).
    rounds
        Kicks to try.
    seed
        Random seed of the kicks.

    Returns
    -------
    numpy.ndarray
        Sorted indices of the open sites, never worse than ``open_idx``.
    """
    fixed = np.zeros(0, dtype=np.intp) if fixed is None else np.asarray(fixed, dtype=np.intp)
    m = cost.shape[0]
    best = np.sort(np.asarray(open_idx, dtype=np.intp))
    best_val = set_value(cost, weight, best)
    rng = np.random.default_rng(seed)
    for r in range(rounds):
        movable = np.setdiff1d(best, fixed)
        closed = np.setdiff1d(np.arange(m), best)
        k = min(2 + r % 2, movable.size, closed.size)
        if k == 0:
            break
        out = rng.choice(movable, k, replace=False)
        # entering sites: each near a random sector of a leaving site (a local kick)
        served = np.argmin(cost[best], axis=0)
        enter: list[int] = []
        for o in out:
            pool = np.flatnonzero(best[served] == o)
            j = int(rng.choice(pool)) if pool.size else int(rng.integers(cost.shape[1]))
            near = [int(i) for i in np.argsort(cost[:, j], kind="stable")[:8]
                    if int(i) not in best and int(i) not in enter]
            enter.append(near[int(rng.integers(len(near)))] if near else int(rng.choice(closed)))
        trial = np.array(sorted({*best.tolist(), *enter} - {*out.tolist()}), dtype=np.intp)
        if trial.size != best.size:
            continue
        trial = _interchange(cost, weight, trial, fixed, max_moves)
        val = set_value(cost, weight, trial)
        if val < best_val - 1e-9 * max(1.0, abs(best_val)):
            best, best_val = trial, val
    return best


def _farthest_first(cost: np.ndarray, p: int, fixed: np.ndarray) -> np.ndarray:
    chosen = list(fixed)
    if not chosen:
        chosen.append(int(np.argmin(cost.max(axis=1))))
    d1 = cost[chosen].min(axis=0)
    while len(chosen) < p:
        j = int(np.argmax(d1))  # worst-served sector: open its closest unopened site
        order = np.argsort(cost[:, j], kind="stable")
        pick = next(int(i) for i in order if int(i) not in chosen)
        chosen.append(pick)
        d1 = np.minimum(d1, cost[pick])
    return np.array(sorted(chosen), dtype=np.intp)


def pcenter_interchange(
    cost: np.ndarray, p: int, fixed: np.ndarray | None = None, *, max_moves: int = 10_000
) -> np.ndarray:
    """p-center heuristic: farthest-first construction, then swaps that lower the worst time.

    Ties on the worst time are broken by the demand-free sum of times, so plateaus still move.
    """
    fixed = np.zeros(0, dtype=np.intp) if fixed is None else np.asarray(fixed, dtype=np.intp)
    m = cost.shape[0]
    open_idx = _farthest_first(cost, min(p, m), fixed)
    if p >= m:
        return open_idx
    is_fixed = np.zeros(m, dtype=bool)
    is_fixed[fixed] = True
    for _ in range(max_moves):
        is_open = np.zeros(m, dtype=bool)
        is_open[open_idx] = True
        c1, d1, d2 = _closest_two(cost, open_idx)
        cur = (float(d1.max()), float(d1.sum()))
        best: tuple[float, float, int, int] | None = None
        leaving = np.flatnonzero(is_open & ~is_fixed)
        if len(leaving) == 0:
            break
        for i_in in np.flatnonzero(~is_open):
            a = np.minimum(d1, cost[i_in])
            bb = np.minimum(d2, cost[i_in])
            # Worst time if r leaves: max over sectors r does not serve (a) and those it
            # serves (bb), from per-group maxima and the two largest group maxima of a.
            gmax_a = np.full(m, -np.inf)
            np.maximum.at(gmax_a, c1, a)
            gmax_b = np.full(m, -np.inf)
            np.maximum.at(gmax_b, c1, bb)
            top = np.argsort(gmax_a)[-2:]
            other = np.where(leaving == top[-1], gmax_a[top[0]], gmax_a[top[-1]])
            worst = np.maximum(other, gmax_b[leaving])
            total = a.sum() + np.bincount(c1, weights=bb - a, minlength=m)[leaving]
            k = int(np.lexsort((total, worst))[0])
            val = (float(worst[k]), float(total[k]))
            if val < cur and (best is None or val < best[:2]):
                best = (val[0], val[1], int(i_in), int(leaving[k]))
        if best is None:
            break
        open_idx = np.array(sorted({*open_idx.tolist(), best[2]} - {best[3]}), dtype=np.intp)
    return open_idx
