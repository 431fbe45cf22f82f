"""Greedy sourcing: the baseline the exact optimizer is compared against, and its warm start.

Lines are taken in priority order (scarcest first within a priority); each takes the cheapest
eligible units still free whose nation has personnel room, preferring pledges that can serve
few other lines. Feasible by construction, never proven optimal.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from forcegen.sourcing._compile import Compiled

__all__ = ["greedy_units"]


def greedy_units(
    comp: Compiled, pair_upper: NDArray[np.float64], ceilings: NDArray[np.float64],
    *, flexible_last: bool = False,
) -> NDArray[np.float64]:
    """Units on every pair of ``comp`` (zeros where ``pair_upper`` is 0).

    Each line takes the cheapest units first (among equal costs, those of pledges that can
    serve fewer lines); with ``flexible_last`` it takes the units of pledges that can serve
    fewer lines first (then the cheapest), which leaves more for the lines after it.
    """
    x = np.zeros(comp.n_pairs)
    live = np.flatnonzero(pair_upper > 0)
    if live.size == 0:
        return x
    e_p, e_r = comp.e_p[live], comp.e_r[live]
    supply_left = comp.p_qty.copy()
    room = ceilings.copy()
    # How many lines each pledge could serve: flexible pledges are kept for later lines.
    flexibility = np.bincount(e_p, minlength=comp.p_qty.size)
    # Scarcity of a line: eligible units / units needed.
    offered = np.bincount(e_r, weights=comp.p_qty[e_p], minlength=comp.r_qty.size)
    scarcity = offered / np.maximum(comp.r_qty, 1)
    line_order = np.lexsort((scarcity, comp.r_prio))
    keys = ((comp.p_cost[e_p], flexibility[e_p]) if flexible_last
            else (flexibility[e_p], comp.p_cost[e_p]))
    pair_order = np.lexsort((*keys, e_r))
    e_sorted = live[pair_order]
    starts = np.searchsorted(comp.e_r[e_sorted], np.arange(comp.r_qty.size + 1))
    for r in line_order:
        need = comp.r_qty[r]
        for e in e_sorted[starts[r] : starts[r + 1]]:
            if need <= 0:
                break
            p = comp.e_p[e]
            n = comp.p_nation[p]
            pers = comp.p_pers[p]
            fit = need if pers <= 0 else min(need, np.floor(room[n] / pers + 1e-9))
            take = min(supply_left[p], fit)
            if take <= 0:
                continue
            x[e] += take
            supply_left[p] -= take
            room[n] -= take * pers
            need -= take
    return x
