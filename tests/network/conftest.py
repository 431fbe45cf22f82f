"""Random graphs shared by the network tests."""

from __future__ import annotations

import itertools

import numpy as np

from forcegen.network import TransportGraph


def random_graph(n: int, m: int, seed: int, *, oneway_share: float = 0.3,
                 zero_share: float = 0.05) -> TransportGraph:
    """Random directed/undirected mix with parallel edges, zero-hour arcs and isolated nodes."""
    rng = np.random.default_rng(seed)
    s = rng.integers(0, n, m)
    t = rng.integers(0, n, m)
    h = rng.uniform(0.1, 10.0, m)
    h[rng.random(m) < zero_share] = 0.0
    ow = rng.random(m) < oneway_share
    ids = [f"v{i}" for i in range(n)]
    return TransportGraph.from_edges(ids, rng.uniform(14, 40, n), rng.uniform(44, 55, n),
                                     s, t, h, oneway=ow)


def chain_graph(junctions: int, seed: int) -> TransportGraph:
    """Junctions joined by roads subdivided into chains of degree-2 nodes (plus a ring)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, junctions, junctions * 2)
    b = rng.integers(0, junctions, junctions * 2)
    src, dst, hrs = [], [], []
    nxt = junctions
    for u, v in zip(a.tolist(), b.tolist(), strict=True):
        k = int(rng.integers(0, 4))  # shape points on this road
        chain = [u, *range(nxt, nxt + k), v]
        nxt += k
        for x, y in itertools.pairwise(chain):
            src.append(x)
            dst.append(y)
            hrs.append(float(rng.uniform(0.1, 2.0)))
    ring = list(range(nxt, nxt + 4))  # a ring with no junction: unreachable from outside
    for x, y in zip(ring, ring[1:] + ring[:1], strict=True):
        src.append(x)
        dst.append(y)
        hrs.append(1.0)
    n = nxt + 4
    ids = [f"v{i}" for i in range(n)]
    return TransportGraph.from_edges(ids, rng.uniform(14, 40, n), rng.uniform(44, 55, n),
                                     src, dst, hrs)
