"""Loading network.csv / nodes.csv and GeoJSON, and the errors bad input gets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from forcegen.exceptions import NetworkInputError
from forcegen.network import load_geojson, load_network, travel_times
from forcegen.network.speeds import DEFAULT_SPEEDS

NODES = "id,lon,lat\nA,20,50\nB,21,50\nC,22,50\n"


def write(tmp: Path, network: str, nodes: str = NODES) -> tuple[Path, Path]:
    (tmp / "network.csv").write_text(network)
    (tmp / "nodes.csv").write_text(nodes)
    return tmp / "network.csv", tmp / "nodes.csv"


def test_loads_modes_oneway_and_km(tmp_path: Path) -> None:
    G = load_network(*write(tmp_path, "from,to,hours,mode,oneway,km\nA,B,2,road,,100\n"
                                      "B,C,1.5,rail,true,60\n"))
    assert G.n_nodes == 3 and G.n_arcs == 3
    assert travel_times(G, ["A"], ["C"])[0, 0] == 3.5
    assert np.isinf(travel_times(G, ["C"], ["B"])[0, 0])  # one-way
    assert travel_times(G, ["A"], ["C"], weight="km")[0, 0] == 160
    assert sorted(set(G.mode.tolist())) == ["rail", "road"]


def test_without_nodes_file_ids_come_from_edges(tmp_path: Path) -> None:
    (tmp_path / "n.csv").write_text("from,to,hours\nx,y,1\ny,z,2\n")
    G = load_network(tmp_path / "n.csv")
    assert G.ids.tolist() == ["x", "y", "z"]
    assert travel_times(G, ["x"], ["z"])[0, 0] == 3


@pytest.mark.parametrize(
    ("network", "nodes", "message"),
    [
        ("from,to,hours\nA,B,-2\n", NODES, r"network.csv:2 \[hours\]: must be >= 0, got -2"),
        ("from,to,hours\nA,B,1\nA,Q,1\n", NODES, r"network.csv:3 \[to\]: unknown node id 'Q'"),
        ("from,to,hours\nA,B,fast\n", NODES, r"network.csv:2 \[hours\]: expected a number"),
        ("from,to,hours\nA,B,nan\n", NODES, r"network.csv:2 \[hours\]: expected a finite"),
        ("from,to,hours,mode\nA,B,1,bike\n", NODES, r"network.csv:2 \[mode\]: unknown mode"),
        ("from,to,hours,oneway\nA,B,1,maybe\n", NODES, r"network.csv:2 \[oneway\]"),
        ("from,to\nA,B\n", NODES, r"network.csv:1 \[hours\]: missing column"),
        ("from,to,hours,speed\nA,B,1,3\n", NODES, r"network.csv:1 \[speed\]: unknown column"),
        ("from,to,hours\nA,B,1\n", "id,lon,lat\nA,20,50\nA,21,50\n",
         r"nodes.csv:3 \[id\]: duplicate node id 'A' \(first on line 2\)"),
        ("from,to,hours\nA,B,1\n", "id,lon,lat\nA,20,50\nB,200,50\n",
         r"nodes.csv:3 \[lon\]: must be between -180 and 180"),
    ],
)
def test_bad_tables_name_file_line_field(tmp_path: Path, network: str, nodes: str,
                                         message: str) -> None:
    with pytest.raises(NetworkInputError, match=message):
        load_network(*write(tmp_path, network, nodes))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NetworkInputError, match="file not found"):
        load_network(tmp_path / "nope.csv")


def line(coords, **props) -> dict:
    return {"type": "Feature", "properties": props,
            "geometry": {"type": "LineString", "coordinates": coords}}


def test_geojson_snaps_close_ends_and_uses_class_speeds(tmp_path: Path) -> None:
    # second line starts 11 m from the end of the first: snapped; third starts ~700 m away: not
    doc = {"type": "FeatureCollection", "features": [
        line([[20.0, 50.0], [20.5, 50.0], [21.0, 50.0]], **{"class": "motorway"}),
        line([[21.0001, 50.00005], [21.5, 50.0]], highway="secondary"),
        line([[21.51, 50.0], [22.0, 50.0]], hours=3.0),
    ]}
    p = tmp_path / "roads.geojson"
    p.write_text(json.dumps(doc))
    G = load_geojson(p)
    assert G.n_nodes == 5  # 6 ends, one pair merged
    km1 = 2 * 35.75  # two segments of 0.5 deg at 50N (checked below against the loader's km)
    d = travel_times(G, ["n0"])[0]
    np.testing.assert_allclose(G.km[G.edge == 0][0], km1, rtol=0.01)
    first = G.km[G.edge == 0][0] / DEFAULT_SPEEDS.kmh("road", "motorway")
    second = G.km[G.edge == 1][0] / DEFAULT_SPEEDS.kmh("road", "secondary")
    assert d[G.index["n1"]] == pytest.approx(first)
    assert d[G.index["n2"]] == pytest.approx(first + second)
    assert np.isinf(d[G.index["n3"]])  # not snapped: 700 m apart
    assert travel_times(G, ["n3"], ["n4"])[0, 0] == 3.0


def test_geojson_snap_tolerance_is_a_parameter(tmp_path: Path) -> None:
    doc = {"type": "FeatureCollection", "features": [
        line([[20.0, 50.0], [21.0, 50.0]]), line([[21.01, 50.0], [22.0, 50.0]])]}
    p = tmp_path / "r.geojson"
    p.write_text(json.dumps(doc))
    assert load_geojson(p).n_nodes == 4
    assert load_geojson(p, snap_m=1000).n_nodes == 3


@pytest.mark.parametrize(
    ("feature", "message"),
    [
        ({"type": "Feature", "properties": {},
          "geometry": {"type": "Point", "coordinates": [1, 2]}},
         r"features\[0\].geometry\]: expected a LineString"),
        (line([[20, 50]]), r"at least two"),
        (line([[20, 50], [21, 50]], mode="hover"), r"unknown mode 'hover'"),
        (line([[20, 50], [21, 50]], hours=-1), r"expected a number >= 0"),
    ],
)
def test_bad_geojson(tmp_path: Path, feature: dict, message: str) -> None:
    p = tmp_path / "bad.geojson"
    p.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    with pytest.raises(NetworkInputError, match=message):
        load_geojson(p)


def test_example_network_loads_and_is_connected() -> None:
    root = Path(__file__).resolve().parents[2] / "examples" / "reassurance-force"
    G = load_network(root / "network.csv", root / "nodes.csv")
    warsaw, _ = G.nearest_node(21.01, 52.23, modes=["road"])
    kyiv, _ = G.nearest_node(30.52, 50.45, modes=["road"])
    hours = travel_times(G, [warsaw], [kyiv])[0, 0]
    assert 10 < hours < 24  # ~770 road km at convoy speed plus a border crossing
    # Belarus and Russia are left out (closed borders): nothing near Minsk or Moscow
    assert G.nearest_node(27.56, 53.90)[1] > 100
    assert G.nearest_node(37.62, 55.75)[1] > 300
