"""TransportGraph: parallel arcs, snapping, derived graphs."""

from __future__ import annotations

import numpy as np
import pytest

from forcegen.exceptions import NetworkInputError
from forcegen.network import (
    DEFAULT_SPEEDS,
    TransportGraph,
    add_air_links,
    haversine_km,
    load_airfields,
    travel_times,
)

from .conftest import random_graph


def test_parallel_edges_keep_the_fastest() -> None:
    G = TransportGraph.from_edges(["a", "b"], [0, 1], [0, 0], ["a", "a", "b"], ["b", "b", "a"],
                                  [5.0, 2.0, 3.0], oneway=True)
    m = G.matrix()
    assert m[0, 1] == 2.0 and m[1, 0] == 3.0


def test_zero_hour_arcs_are_edges() -> None:
    G = TransportGraph.from_edges(["a", "b", "c"], [0, 1, 2], [0, 0, 0], ["a", "b"], ["b", "c"],
                                  [0.0, 1.0])
    assert travel_times(G, ["a"], ["b", "c"]).tolist() == [[0.0, 1.0]]


def test_negative_hours_rejected() -> None:
    with pytest.raises(NetworkInputError, match="hours"):
        TransportGraph.from_edges(["a", "b"], [0, 1], [0, 0], ["a"], ["b"], [-1.0])


def test_nearest_nodes_match_brute_force() -> None:
    G = random_graph(300, 10, 1)
    rng = np.random.default_rng(2)
    lon, lat = rng.uniform(10, 45, 50), rng.uniform(40, 58, 50)
    idx, km = G.nearest_nodes(lon, lat)
    d = haversine_km(lon[:, None], lat[:, None], G.lon[None, :], G.lat[None, :])
    np.testing.assert_array_equal(idx, d.argmin(axis=1))
    np.testing.assert_allclose(km, d.min(axis=1), rtol=1e-9)


def test_snapping_by_mode_skips_other_nodes() -> None:
    G = TransportGraph.from_edges(["road1", "road2", "air1", "air2"], [20, 21, 25, 26],
                                  [50, 50, 50, 50], ["road1", "air1"], ["road2", "air2"],
                                  [1.0, 1.0], mode=["road", "air"])
    assert G.nearest_node(25.0, 50.0)[0] == 2
    assert G.nearest_node(25.0, 50.0, modes=["road"])[0] == 1


def test_without_and_restrict_keep_positions() -> None:
    G = random_graph(30, 80, 4)
    cut = G.without(nodes=["v3"], edges=[0, 1])
    assert cut.n_nodes == G.n_nodes
    assert not np.any((cut.tail == 3) | (cut.head == 3))
    assert not np.isin(cut.edge, [0, 1]).any()
    assert np.isinf(travel_times(cut, ["v3"])[0, np.arange(30) != 3]).all()
    assert G.restrict(["air"]).n_arcs == 0


def test_air_layer_adds_flights_and_access() -> None:
    road = TransportGraph.from_edges(["rze", "waw"], [22.0, 21.0], [50.1, 52.2], ["rze"],
                                     ["waw"], [6.0])
    fields = [a for a in load_airfields() if a.icao in ("EPRZ", "EPWA", "EGLL")]
    G, skipped = add_air_links(road, fields)
    assert [a.icao for a in skipped] == ["EGLL"]  # London is nowhere near this network
    assert set(G.ids.tolist()) >= {"air:EPRZ", "air:EPWA"}
    assert (G.mode == "air").sum() == 2
    # flying (access + flight + 4 h handling + access) beats the 6 h drive
    rz, wa = fields[0] if fields[0].icao == "EPRZ" else fields[1], \
        next(a for a in fields if a.icao == "EPWA")
    sp = DEFAULT_SPEEDS
    expect = (sp.road_hours_from_greatcircle(haversine_km(22.0, 50.1, rz.lon, rz.lat))
              + sp.air_hours(haversine_km(rz.lon, rz.lat, wa.lon, wa.lat))
              + sp.road_hours_from_greatcircle(haversine_km(21.0, 52.2, wa.lon, wa.lat)))
    assert expect < 6.0
    assert travel_times(G, ["rze"], ["waw"])[0, 0] == pytest.approx(float(expect))
    assert travel_times(G.restrict(["road"]), ["rze"], ["waw"])[0, 0] == pytest.approx(6.0)
