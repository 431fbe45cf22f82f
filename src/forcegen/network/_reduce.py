"""Exact graph reductions for many-source Dijkstra: chains, then trees hanging off the core.

After :func:`forcegen.network._contract.contract` has replaced every chain of degree-2 nodes by
one edge, the junction graph still has *trees* hanging off it (dead-end roads, spurs to a
village). A node with a single neighbour ``p`` that is not a source is a leaf: the only way in
is the arc ``p -> v``, so ``d(v) = d(p) + w(p, v)`` and no shortest path to any other node goes
through ``v``. Peeling leaves round after round removes whole trees; each removed node keeps its
*root* (the first core node on the way in) and the sum of the arc times from the root.

The result gives every node of the original graph two *ends* in the final core and an offset
to each (a core node is its own end at offset 0; a chain node has its two chain ends; a tree
node has its root twice; a node no source can reach has offset ``inf``), so one vectorized pass
``d(v) = min(d(end_a) + off_a, d(end_b) + off_b)`` turns core distances into all distances.

Everything here is exact: the answers are those of Dijkstra on the full graph.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from forcegen.network._contract import contract

__all__ = ["Reduction", "peel_trees", "reduce_graph"]


@dataclass(frozen=True)
class Reduction:
    """Core graph plus, for every original node, its two ends in the core and the offsets."""

    core: NDArray[np.int64]  # original positions of the core nodes
    core_pos: NDArray[np.int64]  # original position -> core position, or -1
    matrix: sp.csr_array  # the core graph
    end_a: NDArray[np.int64]  # per original node: core position of end A (0 if none)
    off_a: NDArray[np.float64]  # per original node: time from end A (inf if none)
    end_b: NDArray[np.int64]
    off_b: NDArray[np.float64]

    @property
    def ratio(self) -> float:
        """Core nodes / all nodes."""
        return self.core.size / max(1, self.core_pos.size)

    def expand(self, dct: NDArray[np.float64], rows: NDArray[np.int64],
               out: NDArray[np.float64], cutoff: float | None = None,
               block: int = 512) -> None:
        """Write all-node distances into ``out`` from node-major core distances ``dct``.

        Parameters
        ----------
        dct
            ``(core nodes, sources)`` distances, C-contiguous.
        rows
            Original node positions, one per row of ``out``.
        out
            ``(len(rows), sources)`` array, written in place (contiguous rows).
        cutoff
            Values above it become ``inf`` (core distances must come from a Dijkstra limited to
            it; a node within the cutoff is reached through nodes within it, so stays exact).
        block
            Rows per step: small blocks keep the two gathered blocks in cache.
        """
        if rows.size == 0:
            return
        buf = np.empty((min(block, rows.size), dct.shape[1]), dtype=out.dtype)
        for lo in range(0, rows.size, block):
            r = rows[lo : lo + block]
            o, b = out[lo : lo + r.size], buf[: r.size]
            # gather straight into the output rows: no scatter, no fresh temporaries
            np.take(dct, self.end_a[r], axis=0, out=o)
            o += self.off_a[r, None]
            np.take(dct, self.end_b[r], axis=0, out=b)
            b += self.off_b[r, None]
            np.minimum(o, b, out=o)
            if cutoff is not None:
                o[o > cutoff] = np.inf


def peel_trees(
    m: sp.csr_array, keep: NDArray[np.int64]
) -> tuple[NDArray[np.bool_], NDArray[np.int64], NDArray[np.float64]]:
    """Peel the trees hanging off graph ``m``, never removing ``keep``.

    Returns
    -------
    alive : numpy.ndarray
        Nodes left in the core.
    root : numpy.ndarray
        Per node, its root in the core (itself if alive).
    offset : numpy.ndarray
        Per node, the time from its root (``0`` if alive, ``inf`` if the arcs only lead out).
    """
    n = m.shape[0]
    coo = m.tocoo()
    t, h, w = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data.astype(float)
    loop = t == h
    t, h, w = t[~loop], h[~loop], w[~loop]
    # distinct neighbours, arcs in either direction, as a CSR adjacency (sorted by node)
    key = np.unique(np.r_[t * n + h, h * n + t])
    ku, ko = np.divmod(key, n)
    cnt = np.bincount(ku, minlength=n)
    start = np.r_[0, np.cumsum(cnt)]
    # time of the arc neighbour -> node for each adjacency entry (inf: no arc that way)
    w_adj = np.full(key.size, np.inf)
    w_adj[np.searchsorted(key, h * n + t)] = w
    alive = np.ones(n, dtype=bool)
    protect = np.zeros(n, dtype=bool)
    protect[keep] = True
    parent = np.full(n, -1, dtype=np.int64)
    w_in = np.full(n, np.inf)  # time of the arc parent -> node
    rounds: list[NDArray[np.int64]] = []
    cand = np.flatnonzero(cnt == 1)
    while cand.size:
        v = cand[alive[cand] & ~protect[cand] & (cnt[cand] == 1)]
        # the one live neighbour of each leaf: scan its (short) adjacency list
        lens = start[v + 1] - start[v]
        owner = np.repeat(np.arange(v.size), lens)
        idx = np.arange(int(lens.sum())) - np.repeat(np.cumsum(lens) - lens, lens) \
            + np.repeat(start[v], lens)
        live = alive[ko[idx]]
        nb = np.full(v.size, -1, dtype=np.int64)
        nb[owner[live]] = ko[idx[live]]
        wi = np.full(v.size, np.inf)
        wi[owner[live]] = w_adj[idx[live]]
        # two leaves joined to each other (a two-node tree): the smaller one stays as the root
        is_leaf = np.zeros(n, dtype=bool)
        is_leaf[v] = True
        pair = is_leaf[np.maximum(nb, 0)] & (v < nb)
        v, nb, wi = v[~pair], nb[~pair], wi[~pair]
        if v.size == 0:
            break
        parent[v] = nb
        w_in[v] = wi
        alive[v] = False
        rounds.append(v)
        np.subtract.at(cnt, nb, 1)
        cand = np.unique(nb)
    root = np.arange(n, dtype=np.int64)
    offset = np.zeros(n)
    for v in reversed(rounds):  # parents are alive or peeled in a later round: resolved first
        p = parent[v]
        root[v] = root[p]
        offset[v] = offset[p] + w_in[v]
    return alive, root, offset


def reduce_graph(m: sp.csr_array, keep: NDArray[np.int64],
                 give_up_above: float | None = None) -> Reduction | None:
    """Contract chains, then peel trees, of graph ``m`` (no parallel arcs); ``keep`` stays.

    Returns ``None`` without peeling when the chains alone leave more than ``give_up_above``
    of the nodes (a junction-dense graph: trees will not make up the difference).
    """
    n = m.shape[0]
    con = contract(m, keep)
    if give_up_above is not None and con.ratio > give_up_above:
        return None
    alive, root, toff = peel_trees(con.matrix, con.core_pos[keep])
    core2 = np.flatnonzero(alive)
    pos2 = np.full(con.core.size, -1, dtype=np.int64)
    pos2[core2] = np.arange(core2.size)
    sub = con.matrix[core2][:, core2]
    mat = sp.csr_array(sub)
    mat.sort_indices()

    core = con.core[core2]
    core_pos = np.full(n, -1, dtype=np.int64)
    core_pos[core] = np.arange(core.size)
    end_a = np.zeros(n, dtype=np.int64)
    end_b = np.zeros(n, dtype=np.int64)
    off_a = np.full(n, np.inf)
    off_b = np.full(n, np.inf)
    # junctions (alive or peeled): their root, twice
    jr = root
    end_a[con.core] = end_b[con.core] = pos2[jr]
    off_a[con.core] = off_b[con.core] = toff
    # chain nodes: each end through its root (a chain can lead into a tree)
    for ends, offs, e_out, o_out in ((con.end_a, con.off_a, end_a, off_a),
                                     (con.end_b, con.off_b, end_b, off_b)):
        has = ends >= 0
        e = np.maximum(ends, 0)
        e_out[con.interior] = np.where(has, pos2[jr[e]], 0)
        o_out[con.interior] = np.where(has, offs + toff[e], np.inf)
    return Reduction(core, core_pos, mat, end_a, off_a, end_b, off_b)
