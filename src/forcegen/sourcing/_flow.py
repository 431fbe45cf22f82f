"""Fill bounds from a lexicographic maximum flow (ceilings and cost left out).

Pledges and lines form a bipartite flow network: source -> pledge (its units), pledge -> line
(the pair's upper bound), line -> sink (its need). Leaving out the nation ceilings relaxes the
sourcing problem, so the most units the network carries into the lines of priority 1..k, less
what the levels before k are fixed at, bounds the fill of level k.

The flow is augmented level by level from the flow already found (a residual network): an
augmenting path ends in the sink, so the units entering a line never go down, and after level k
the flow into the lines of levels 1..k is a maximum. One pass gives every level's bound and a
whole-unit plan reaching all of them. When that plan also keeps every ceiling, it proves each
fill stage at once; the LP then only has the cost stage left (at 10,000 lines, the four fill
stages were 9 of 13 s of simplex).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from forcegen.sourcing._compile import Compiled

__all__ = ["FLOW_PAIR_MIN", "LexFlow", "lex_max_flow"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Usable pairs from which the fill bounds are computed by maximum flow. Importing
#: scipy.sparse.csgraph costs 0.2-0.3 s of CPU, more than the fill stages it saves on small
#: models (at 1,000 lines / 10 pledges per capability they take 0.2 s); it is a size rule, so
#: the route (and the plan) still depends on the data alone.
FLOW_PAIR_MIN = 30_000

_MAX_CAP = 2**30  # scipy's maximum_flow takes int32 capacities


class LexFlow:
    """A lexicographic maximum flow: units per pair and the fill bound of each level."""

    def __init__(self, x: FloatArray, bounds: list[float]) -> None:
        self.x = x
        self.bounds = bounds

    def keeps_ceilings(self, comp: Compiled, ceilings: FloatArray) -> bool:
        """Whether the flow's plan keeps every nation's personnel ceiling."""
        pers = np.bincount(
            comp.p_nation[comp.e_p], weights=self.x * comp.p_pers[comp.e_p], minlength=ceilings.size
        )
        return bool(np.all(pers <= ceilings + 1e-6))


def _whole(values: FloatArray) -> bool:
    return bool(np.all(values == np.floor(values)) and np.all(values < _MAX_CAP))


def _arc_flows(flow: object, n: int) -> Callable[[IntArray, IntArray], FloatArray]:
    """Look up the flow of arcs (tail, head) in scipy's result, by sorted arc keys.

    Indexing the sparse result directly scans a row per look-up: 6.6 s at 50,000 pledges,
    the source's row holding one entry per pledge.
    """
    coo = flow.tocoo()  # type: ignore[attr-defined]
    keys = coo.row.astype(np.int64) * n + coo.col
    order = np.argsort(keys, kind="stable")
    keys, values = keys[order], coo.data[order].astype(np.float64)

    def net(tail: IntArray, head: IntArray) -> FloatArray:
        want = tail * n + head
        if keys.size == 0:
            return np.zeros(want.size)
        at = np.minimum(np.searchsorted(keys, want), keys.size - 1)
        return np.where(keys[at] == want, values[at], 0.0)

    return net


def lex_max_flow(comp: Compiled, upper: FloatArray, levels: list[FloatArray]) -> LexFlow | None:
    """Maximize the units into each level's lines in turn, ignoring ceilings and cost.

    Parameters
    ----------
    comp
        The compiled scenario.
    upper
        Upper bound on the units of every pair (0: not usable).
    levels
        A 0/1 mask over the lines per level, most urgent first.

    Returns
    -------
    LexFlow or None
        Units per pair (whole numbers) and, per level, the most units its lines can get
        while the levels before it keep theirs; ``None`` when a quantity is not a whole
        number below 2**30 (the flow needs integer capacities).
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_flow

    live = np.flatnonzero(upper > 0)
    P, R = comp.p_qty.size, comp.r_qty.size
    cap_sp, cap_pr, need = comp.p_qty, upper[live], comp.r_qty
    if not (_whole(cap_sp) and _whole(cap_pr) and _whole(need)):
        return None
    s, t = 0, P + R + 1
    pledge = 1 + np.arange(P)
    line = P + 1 + np.arange(R)
    e_p, e_r = 1 + comp.e_p[live], P + 1 + comp.e_r[live]
    f_sp, f_pr, f_rt = np.zeros(P), np.zeros(live.size), np.zeros(R)
    open_r = np.zeros(R)
    bounds = []
    for mask in levels:
        open_r = np.maximum(open_r, mask)
        cap_rt = need * open_r
        # Residual network: forward arcs keep what is left, backward arcs what is used.
        tail = np.concatenate([np.zeros(P, np.int64), pledge, e_p, e_r, line, np.full(R, t)])
        head = np.concatenate([pledge, np.zeros(P, np.int64), e_r, e_p, np.full(R, t), line])
        cap = np.concatenate([cap_sp - f_sp, f_sp, cap_pr - f_pr, f_pr, cap_rt - f_rt, f_rt])
        keep = cap > 0
        graph = csr_matrix(
            (cap[keep].astype(np.int32), (tail[keep], head[keep])), shape=(t + 1, t + 1)
        )
        net = _arc_flows(maximum_flow(graph, s, t).flow, t + 1)
        # Net flow of each arc (the result is antisymmetric over every arc pair).
        f_sp += net(np.zeros(P, np.int64), pledge)
        f_pr += net(e_p, e_r)
        f_rt += net(line, np.full(R, t))
        bounds.append(float(mask @ f_rt))
    x = np.zeros(comp.n_pairs)
    x[live] = np.round(f_pr)
    return LexFlow(x, bounds)
