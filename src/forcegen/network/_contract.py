"""Chain contraction: Dijkstra on the junctions only, then fill in the road between them.

Road graphs are mostly chains: a node with exactly two neighbours (a village, a bend, a border
post) lies on the one road between two junctions, and its distance from anywhere outside the
chain is the distance to one of the chain's two ends plus the length along the chain. So:

1. nodes with two neighbours, symmetric arcs (same time both ways) and not a query source are
   *interior*; every other node is a *junction* (core);
2. each chain between junctions ``a`` and ``b`` becomes one core edge of its full length, and each
   interior node keeps ``(a, offset from a, b, offset from b)``;
3. Dijkstra runs on the much smaller core graph and interior distances are filled in with two
   vectorized array operations (:meth:`forcegen.network._reduce.Reduction.expand`, which also
   peels the trees left hanging off the core).

This is exact (no approximation): the only way into a chain is through its two ends.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components, dijkstra

__all__ = ["Contraction", "contract"]


@dataclass(frozen=True)
class Contraction:
    """Result of :func:`contract` (positions refer to the original graph)."""

    core: NDArray[np.int64]  # original positions of core nodes
    core_pos: NDArray[np.int64]  # original position -> core position, or -1
    matrix: sp.csr_array  # core graph
    interior: NDArray[np.int64]  # original positions of interior nodes
    end_a: NDArray[np.int64]  # core position of the first chain end, per interior node (-1: none)
    off_a: NDArray[np.float64]
    end_b: NDArray[np.int64]
    off_b: NDArray[np.float64]

    @property
    def ratio(self) -> float:
        """Core nodes / all nodes."""
        return self.core.size / max(1, self.core_pos.size)


def contract(m: sp.csr_array, keep: NDArray[np.int64]) -> Contraction:
    """Contract the chains of graph ``m`` (``n x n``, no parallel arcs), never removing ``keep``."""
    n = m.shape[0]
    coo = m.tocoo()
    r = coo.row.astype(np.int64)
    c = coo.col.astype(np.int64)
    w = coo.data.astype(float)
    key = r * n + c
    order = np.argsort(key)
    skey, sw = key[order], w[order]
    rk = c * n + r
    pos = np.clip(np.searchsorted(skey, rk), 0, max(0, skey.size - 1))
    symmetric = (skey.size > 0) & (skey[pos] == rk) & (sw[pos] == w)
    bad = np.zeros(n, dtype=bool)
    bad[r[~symmetric]] = True
    bad[c[~symmetric]] = True
    bad[r[r == c]] = True
    outdeg = np.bincount(r, minlength=n)
    interior_mask = (outdeg == 2) & ~bad
    interior_mask[keep] = False
    interior = np.flatnonzero(interior_mask)
    core = np.flatnonzero(~interior_mask)
    core_pos = np.full(n, -1, dtype=np.int64)
    core_pos[core] = np.arange(core.size)
    ni = interior.size
    ipos = np.full(n, -1, dtype=np.int64)
    ipos[interior] = np.arange(ni)

    # Split graph: interior nodes plus one copy of a junction per (interior, junction) arc.
    from_i = interior_mask[r]
    to_i = interior_mask[c]
    ii = from_i & to_i
    att = from_i & ~to_i  # interior -> junction arcs (symmetric, so one direction suffices)
    n_copy = int(att.sum())
    copy_ids = ni + np.arange(n_copy)
    copy_core = core_pos[c[att]]
    sr = np.r_[ipos[r[ii]], ipos[r[att]], copy_ids]
    sc = np.r_[ipos[c[ii]], copy_ids, ipos[r[att]]]
    sw2 = np.r_[w[ii], w[att], w[att]]
    ns = ni + n_copy
    split = sp.csr_array((sw2, (sr, sc)), shape=(ns, ns))
    _, label = connected_components(split, directed=False)
    # For each component, the copy with the smallest id is end A, the other end B.
    lab_c = label[copy_ids]
    order_c = np.lexsort((copy_ids, lab_c))
    lab_sorted = lab_c[order_c]
    first = np.r_[True, lab_sorted[1:] != lab_sorted[:-1]][: lab_sorted.size]  # none: empty
    a_ids = copy_ids[order_c[first]]
    b_ids = copy_ids[order_c[~first]]

    def _from(ends: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        if ends.size == 0:
            return np.full(ns, np.inf), np.full(ns, -1, dtype=np.int64)
        d, _, src = dijkstra(split, directed=True, indices=ends, min_only=True,
                             return_predecessors=True)
        return np.asarray(d, dtype=float), np.asarray(src, dtype=np.int64)

    off_a_all, src_a = _from(a_ids)
    off_b_all, src_b = _from(b_ids)
    to_core = np.full(ns, -1, dtype=np.int64)
    to_core[copy_ids] = copy_core
    end_a = np.where(src_a[:ni] >= 0, to_core[np.maximum(src_a[:ni], 0)], -1)
    end_b = np.where(src_b[:ni] >= 0, to_core[np.maximum(src_b[:ni], 0)], -1)

    # Core graph: junction-junction arcs plus one edge per chain (its full length).
    cc = ~from_i & ~to_i
    chain_len = off_a_all[b_ids]
    ca, cb = to_core[a_ids], to_core[b_ids]
    ok = np.isfinite(chain_len) & (ca != cb)
    tr = np.r_[core_pos[r[cc]], ca[ok], cb[ok]]
    tc = np.r_[core_pos[c[cc]], cb[ok], ca[ok]]
    tw = np.r_[w[cc], chain_len[ok], chain_len[ok]]
    from forcegen.network._graph import _min_csr

    mc = _min_csr(tr, tc, tw, core.size)
    return Contraction(core, core_pos, mc, interior, end_a, off_a_all[:ni], end_b, off_b_all[:ni])
