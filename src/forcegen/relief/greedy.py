"""A greedy baseline for the matching: what a coordinator filling requests one by one gets.

Requests in order of priority, then needed-by hour, then id; each takes the offers that arrive
in time, fastest first, as far as they last; with late help allowed a second pass then gives
each request the fastest offers left. Measured against the exact plan in ``bench/``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from forcegen.relief.loader import ReliefProblem

__all__ = ["greedy_units"]


def greedy_units(prob: ReliefProblem) -> NDArray[np.float64]:
    """Units per pair of ``prob.pairs`` (held offers keep their request)."""
    rd, t = prob.data, prob.pairs
    x = prob.fixed.copy()
    left = np.fromiter((o.quantity for o in rd.offers), float, len(rd.offers))
    np.subtract.at(left, t.offer, x)
    need = np.fromiter((r.quantity for r in rd.requests), float, len(rd.requests))
    np.subtract.at(need, t.request, x)
    hours = t.hours
    order = sorted(range(len(rd.requests)), key=lambda j: (rd.requests[j].priority,
                                                           rd.requests[j].by_hours,
                                                           rd.requests[j].id))
    bounds = np.searchsorted(t.request, np.arange(len(rd.requests) + 1))
    passes = (True, False) if rd.settings.late else (True,)
    for in_time_only in passes:
        for j in order:
            ks = np.arange(bounds[j], bounds[j + 1])
            ks = ks[np.isfinite(hours[ks]) & (prob.fixed[ks] == 0)]
            if in_time_only:
                ks = ks[hours[ks] <= rd.requests[j].by_hours + 1e-9]
            for k in ks[np.argsort(hours[ks], kind="stable")].tolist():
                if need[j] <= 0:
                    break
                o = int(t.offer[k])
                q = min(left[o], need[j])
                if q > 0:
                    x[k] += q
                    left[o] -= q
                    need[j] -= q
    return x
