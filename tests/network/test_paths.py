"""The travel-time engine against networkx, and routes against their own edge times."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from forcegen.exceptions import NetworkInputError
from forcegen.network import TransportGraph, nearest_facility, route, travel_times
from forcegen.network import paths as paths_mod
from forcegen.network._contract import contract

from .conftest import chain_graph, random_graph


def to_nx(G: TransportGraph) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(G.n_nodes))
    for u, v, w in zip(G.tail.tolist(), G.head.tolist(), G.hours.tolist(), strict=True):
        if not g.has_edge(u, v) or g[u][v]["weight"] > w:
            g.add_edge(u, v, weight=w)
    return g


def nx_matrix(G: TransportGraph, sources, cutoff=None) -> np.ndarray:
    g = to_nx(G)
    out = np.full((len(sources), G.n_nodes), np.inf)
    for i, s in enumerate(sources):
        d = nx.single_source_dijkstra_path_length(g, int(s), cutoff=cutoff, weight="weight")
        out[i, list(d)] = list(d.values())
    return out


@pytest.mark.parametrize("seed", range(6))
def test_matrix_matches_networkx(seed: int) -> None:
    G = random_graph(60, 150, seed)
    src = np.random.default_rng(seed).choice(60, 10, replace=False)
    np.testing.assert_allclose(travel_times(G, src), nx_matrix(G, src))


def test_targets_and_ids_select_columns() -> None:
    G = random_graph(40, 100, 7)
    full = travel_times(G, ["v1", "v2"])
    sub = travel_times(G, ["v1", "v2"], ["v5", "v0", "v5"])
    np.testing.assert_array_equal(sub, full[:, [5, 0, 5]])


@pytest.mark.parametrize("cutoff", [0.0, 2.5, 7.0])
def test_cutoff_matches_networkx(cutoff: float) -> None:
    G = random_graph(50, 120, 3)
    src = [0, 4, 9]
    got = travel_times(G, src, cutoff=cutoff)
    want = nx_matrix(G, src, cutoff=cutoff)
    np.testing.assert_allclose(got, want)
    assert np.all(got[np.isfinite(got)] <= cutoff)


@pytest.mark.parametrize("seed", range(4))
def test_chain_contraction_is_exact(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    G = chain_graph(40, seed)
    src = np.random.default_rng(seed).choice(G.n_nodes, 12, replace=False)
    con = contract(G.matrix(), np.unique(src))
    assert con.ratio < 0.5  # the contraction really removed nodes
    monkeypatch.setattr(paths_mod, "_CONTRACT_MIN_NODES", 0)
    monkeypatch.setattr(paths_mod, "_CONTRACT_MIN_SOURCES", 1)
    got = travel_times(G, src)
    np.testing.assert_allclose(got, nx_matrix(G, src))
    tg = np.arange(0, G.n_nodes, 3)
    np.testing.assert_allclose(travel_times(G, src, tg), got[:, tg])
    np.testing.assert_array_equal(travel_times(G, src, tg, workers=2), got[:, tg])
    # the ring with no junction stays unreachable from outside
    assert np.isinf(got[~np.isin(src, np.arange(G.n_nodes - 4, G.n_nodes))][:, -4:]).all()


def test_contraction_keeps_oneway_chains_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    # a one-way chain a->x->y->b must not be contracted into a two-way edge
    G = TransportGraph.from_edges(list("axybcd"), range(6), [50] * 6,
                                  list("axyacd"), list("xybcda"),
                                  [1.0, 1.0, 1.0, 10.0, 1.0, 1.0], oneway=[1, 1, 1, 0, 0, 0])
    monkeypatch.setattr(paths_mod, "_CONTRACT_MIN_NODES", 0)
    monkeypatch.setattr(paths_mod, "_CONTRACT_MIN_SOURCES", 1)
    np.testing.assert_allclose(travel_times(G, ["b", "a"]), nx_matrix(G, [3, 0]))


def test_two_workers_give_the_same_matrix() -> None:
    G = random_graph(80, 200, 11)
    src = np.arange(20)
    np.testing.assert_array_equal(travel_times(G, src, workers=2), travel_times(G, src))


@pytest.mark.parametrize("seed", range(4))
def test_nearest_facility_is_min_over_facilities(seed: int) -> None:
    G = random_graph(50, 120, seed)
    fac = ["v3", "v17", "v30"]
    hours, which = nearest_facility(G, fac)
    m = travel_times(G, fac)
    np.testing.assert_allclose(hours, m.min(axis=0))
    reach = np.isfinite(hours)
    np.testing.assert_allclose(m[which[reach], np.flatnonzero(reach)], hours[reach])
    assert np.all(which[~reach] == -1)
    back, _ = nearest_facility(G, fac, direction="to")
    np.testing.assert_allclose(back, travel_times(G, range(50), fac).min(axis=1))


@pytest.mark.parametrize("seed", range(5))
def test_route_edge_times_add_up(seed: int) -> None:
    G = random_graph(60, 180, seed)
    d = travel_times(G, [0])[0]
    arcs = {}
    for u, v, w in zip(G.tail.tolist(), G.head.tolist(), G.hours.tolist(), strict=True):
        arcs[(u, v)] = min(w, arcs.get((u, v), np.inf))
    for t in np.flatnonzero(np.isfinite(d))[:15]:
        r = route(G, "v0", int(t))
        legs = list(zip(r.positions[:-1].tolist(), r.positions[1:].tolist(), strict=True))
        assert all(leg in arcs for leg in legs)  # every leg is a real arc
        np.testing.assert_allclose([arcs[leg] for leg in legs], r.leg_hours)
        assert r.hours == pytest.approx(d[t])
        assert r.nodes[0] == "v0" and r.nodes[-1] == f"v{t}"
        np.testing.assert_array_equal(r.lon, G.lon[r.positions])


def test_route_to_unreachable_names_both_ends() -> None:
    G = TransportGraph.from_edges(["a", "b", "c"], [0, 1, 2], [0, 0, 0], ["a"], ["b"], [1.0])
    with pytest.raises(NetworkInputError, match="no route from a to c"):
        route(G, "a", "c")


def test_unknown_node_and_bad_cutoff() -> None:
    G = random_graph(10, 20, 0)
    with pytest.raises(NetworkInputError, match="unknown node id 'zz'"):
        travel_times(G, ["zz"])
    with pytest.raises(NetworkInputError, match="out of range"):
        travel_times(G, [99])
    with pytest.raises(NetworkInputError, match="cutoff"):
        travel_times(G, [0], cutoff=-1)
