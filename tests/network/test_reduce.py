"""The exact reductions (chains, hanging trees) against networkx, with one-way arcs and cutoffs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from forcegen.network import TransportGraph, travel_times
from forcegen.network import paths as paths_mod
from forcegen.network._reduce import peel_trees, reduce_graph

from .test_paths import nx_matrix


@pytest.fixture
def always_reduce(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reduce every graph, however small, so the tests exercise the reduced path."""
    monkeypatch.setattr(paths_mod, "_CONTRACT_MIN_NODES", 0)
    monkeypatch.setattr(paths_mod, "_CONTRACT_MIN_SOURCES", 1)
    monkeypatch.setattr(paths_mod, "_CONTRACT_MAX_RATIO", 1.0)


def road_with_trees(seed: int, oneway_share: float = 0.0) -> TransportGraph:
    """Junctions on a ring with chords, roads as chains, trees (spurs) hanging off them.

    Also a two-node component and an isolated node. ``oneway_share`` of the tree and chain
    edges are one-way (in a random direction).
    """
    rng = np.random.default_rng(seed)
    k = 12
    edges: list[tuple[int, int]] = [(i, (i + 1) % k) for i in range(k)]
    edges += [(int(a), int(b)) for a, b in rng.integers(0, k, (6, 2)) if a != b]
    src: list[int] = []
    dst: list[int] = []
    nxt = k
    for u, v in edges:  # each road a chain of 0-3 shape points
        chain = [u, *range(nxt, nxt + int(rng.integers(0, 4))), v]
        nxt = max(nxt, *chain) + 1 if len(chain) > 2 else nxt
        for x, y in itertools.pairwise(chain):
            src.append(x)
            dst.append(y)
    for _ in range(8):  # trees: each new node hangs off a random earlier node of its tree
        tree = [int(rng.integers(0, nxt))]
        for _ in range(int(rng.integers(1, 7))):
            src.append(int(rng.choice(tree)))
            dst.append(nxt)
            tree.append(nxt)
            nxt += 1
    src += [nxt]  # a two-node component, then an isolated node
    dst += [nxt + 1]
    n = nxt + 3
    hours = rng.uniform(0.1, 2.0, len(src))
    ow = rng.random(len(src)) < oneway_share
    flip = rng.random(len(src)) < 0.5
    s = np.where(ow & flip, dst, src)
    t = np.where(ow & flip, src, dst)
    ids = [f"v{i}" for i in range(n)]
    return TransportGraph.from_edges(ids, rng.uniform(14, 40, n), rng.uniform(44, 55, n),
                                     s, t, hours, oneway=ow)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("oneway_share", [0.0, 0.3])
def test_trees_and_chains_match_networkx(seed: int, oneway_share: float,
                                         always_reduce: None) -> None:
    G = road_with_trees(seed, oneway_share)
    src = np.random.default_rng(seed).choice(G.n_nodes, 6, replace=False)
    red = reduce_graph(G.matrix(), np.unique(src))
    assert red is not None and red.ratio < 0.6  # chains and trees really left the core
    want = nx_matrix(G, src)
    got = travel_times(G, src)
    np.testing.assert_allclose(got, want)
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    tg = np.arange(1, G.n_nodes, 4)
    np.testing.assert_allclose(travel_times(G, src, tg), want[:, tg])


def test_reduction_gives_up_on_junction_dense_graphs() -> None:
    # a complete graph on 6 nodes: no chain, no tree; nothing to gain
    a, b = np.triu_indices(6, 1)
    G = TransportGraph.from_edges([str(i) for i in range(6)], range(6), [50] * 6, a, b, 1.0)
    assert reduce_graph(G.matrix(), np.array([0]), give_up_above=0.7) is None
    red = reduce_graph(G.matrix(), np.array([0]))
    assert red is not None and red.ratio == 1.0


def test_peeling_removes_whole_trees_and_keeps_sources() -> None:
    # core triangle 0-1-2; tree 2-3-4, 3-5; source 4 must stay, so 3 stays on its way
    G = TransportGraph.from_edges([str(i) for i in range(6)], range(6), [50] * 6,
                                  [0, 1, 2, 2, 3, 3], [1, 2, 0, 3, 4, 5], [1.0] * 6)
    alive, root, off = peel_trees(G.matrix(), np.array([0]))
    assert alive.tolist() == [True, True, True, False, False, False]
    assert root[3:].tolist() == [2, 2, 2]
    assert off[3:].tolist() == [1.0, 2.0, 2.0]
    alive, _, _ = peel_trees(G.matrix(), np.array([4]))
    assert alive.tolist() == [True, True, True, True, True, False]


def test_oneway_leaf_cannot_be_reached_through_its_out_arc(always_reduce: None) -> None:
    # x only has an arc *out* to the core: unreachable; y only an arc in: core time + 2
    G = TransportGraph.from_edges(list("abcxy"), range(5), [50] * 5,
                                  list("abcxa"), list("bcaay"),
                                  [1.0, 1.0, 1.0, 5.0, 2.0], oneway=[0, 0, 0, 1, 1])
    got = travel_times(G, ["b", "c"])
    np.testing.assert_allclose(got, nx_matrix(G, [1, 2]))
    assert np.isinf(got[:, 3]).all()
    np.testing.assert_allclose(got[:, 4], got[:, 0] + 2.0)


@pytest.mark.parametrize("cutoff", [0.0, 0.5, 1.7, 4.0])
@pytest.mark.parametrize("seed", range(3))
def test_cutoff_with_reduction_matches_networkx(cutoff: float, seed: int,
                                                always_reduce: None) -> None:
    G = road_with_trees(seed, 0.2)
    src = np.random.default_rng(seed + 10).choice(G.n_nodes, 5, replace=False)
    got = travel_times(G, src, cutoff=cutoff)
    want = nx_matrix(G, src, cutoff=cutoff)
    np.testing.assert_allclose(got, want)
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    assert np.all(got[np.isfinite(got)] <= cutoff)


@pytest.mark.parametrize("cutoff", [None, 1.5])
def test_two_workers_match_one_with_reduction(cutoff: float | None,
                                              always_reduce: None) -> None:
    G = road_with_trees(4, 0.2)
    src = np.arange(0, G.n_nodes, 3)
    one = travel_times(G, src, cutoff=cutoff)
    two = travel_times(G, src, cutoff=cutoff, workers=2)
    assert two.flags.writeable
    np.testing.assert_array_equal(two, one)
    tg = np.arange(0, G.n_nodes, 5)
    np.testing.assert_array_equal(travel_times(G, src, tg, cutoff=cutoff, workers=2),
                                  one[:, tg])
