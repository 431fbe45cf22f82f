"""Response analysis: arrival times recomputed by hand on a small network."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from forcegen.exceptions import NetworkInputError, OptionError
from forcegen.network import TransportGraph
from forcegen.readiness.response import analyze_response
from forcegen.scenario import load_scenario, scenario_from_dict

# H(10,50) --5h-- M(15,50) --5h-- S(20,50);  D(19,50) --1h-- S,  D --4h-- M;  X(30,50) isolated
IDS = ["H", "M", "S", "D", "X", "Y"]
LON = [10.0, 15.0, 20.0, 19.0, 30.0, 30.5]
LAT = [50.0] * 6
EDGES = [("H", "M", 5.0), ("M", "S", 5.0), ("D", "S", 1.0), ("D", "M", 4.0), ("X", "Y", 1.0)]


def graph() -> TransportGraph:
    s, t, h = zip(*EDGES, strict=True)
    return TransportGraph.from_edges(IDS, LON, LAT, list(s), list(t), list(h))


def scenario(**extra_pledge):
    pledge = {"nation": "FRA", "capability": "INF-MECH-BN", "quantity": 1, "personnel": 700,
              "status": "approved"}
    return scenario_from_dict({
        "forcegen": 1,
        "nations": [{"code": "FRA"}],
        "sectors": [{"id": "east", "at": [20.0, 50.0]}, {"id": "empty", "node": "M"}],
        "requirements": [{"id": "R1", "capability": "INF-MECH-BN", "quantity": 4,
                          "sector": "east", "notice_days": 10}],
        "pledges": [
            {**pledge, "id": "P1", "notice_days": 2, "home": [10.0, 50.0]},
            {**pledge, "id": "P2", "notice_days": 1, "home": "H", **extra_pledge},
            {**pledge, "id": "P3", "notice_days": 1, "home": [30.0, 50.0]},
            {**pledge, "id": "P4", "notice_days": 1},
        ],
        "depot_sites": [{"id": "dep", "at": [19.0, 50.0]}],
    })


ASSIGN = [("P1", "R1", 1), ("P2", "R1", 1), ("P3", "R1", 1), ("P4", "R1", 1)]


def test_arrivals_add_notice_movement_and_draw() -> None:
    r = analyze_response(scenario(), ASSIGN, graph=graph(), prepositioned={"P2": "dep"},
                         draw_hours=12, air=False)
    by = {a.pledge: a for a in r.arrivals}
    assert by["P1"].hours == pytest.approx(2 * 24 + 5 + 5)  # notice + H-M-S by road
    assert by["P1"].via == "road"
    # personnel H-M-D (9 h) + draw 12 h + equipment D-S (1 h), after one day's notice
    assert by["P2"].hours == pytest.approx(24 + 9 + 12 + 1)
    assert by["P2"].via == "depot:dep"
    assert np.isinf(by["P3"].hours) and np.isinf(by["P4"].hours)
    east = next(s for s in r.sectors if s.sector == "east")
    assert east.first_hours == pytest.approx(46.0)
    assert east.full_hours is None  # two units cannot get there: never a silent number
    assert east.units == 4 and east.units_unreachable == 2 and east.personnel == 2800
    kinds = {(u.kind, u.item) for u in r.unreachable}
    assert kinds == {("route", "P3"), ("home", "P4")}
    assert any("empty" in n for n in r.notes)


def test_full_package_is_the_last_arrival() -> None:
    r = analyze_response(scenario(), ASSIGN[:2], graph=graph(), air=False)
    east = next(s for s in r.sectors if s.sector == "east")
    assert east.first_hours == pytest.approx(24 + 10)  # P2 now drives H-M-S
    assert east.full_hours == pytest.approx(48 + 10)
    t = np.array([0.0, 33.9, 34.0, 57.9, 58.0, 1e6])
    assert r.available(t)["east"].tolist() == [0, 0, 1, 1, 2, 2]
    doc = json.loads(json.dumps(r.to_dict()))
    assert doc["sectors"][0]["full_hours"] == pytest.approx(58.0)


def test_prepositioned_extension_key_on_the_pledge() -> None:
    r = analyze_response(scenario(**{"x-prepositioned": "dep"}), ASSIGN[:2], graph=graph(),
                         air=False)
    assert {a.pledge: a.via for a in r.arrivals}["P2"] == "depot:dep"


def test_bad_references_are_option_errors() -> None:
    with pytest.raises(OptionError, match="unknown depot site 'nowhere'"):
        analyze_response(scenario(), ASSIGN, graph=graph(), prepositioned={"P1": "nowhere"})
    with pytest.raises(OptionError, match="unknown pledge 'P9'"):
        analyze_response(scenario(), [("P9", "R1", 1)], graph=graph())
    with pytest.raises(OptionError, match="unknown requirement 'R9'"):
        analyze_response(scenario(), [("P1", "R9", 1)], graph=graph())


def test_sector_far_from_any_road_is_an_error() -> None:
    s = scenario()
    s.data.sectors[0].at = (20.0, 45.0)  # 555 km south of the network
    with pytest.raises(NetworkInputError, match=r"sector 'east' .* 556 km from the nearest road"):
        analyze_response(s, ASSIGN, graph=graph())


def test_air_layer_flies_personnel_home_off_network() -> None:
    # a home base in Canada: off the network, moved by strategic airlift and then by road
    s = scenario()
    s.data.pledges[0].home = (-75.7, 45.4)
    r = analyze_response(s, ASSIGN[:1], graph=graph(), air=True)
    a = r.arrivals[0]
    assert a.via == "air" and np.isfinite(a.hours)
    assert 48 + 10 < a.hours < 48 + 40  # ~6,800 km flight + handling + a few hours' drive


def test_cli_json_on_a_scenario_folder(tmp_path: Path) -> None:
    typer = pytest.importorskip("typer")
    from typer.testing import CliRunner

    from forcegen.cli.readiness_cmds import register

    (tmp_path / "nodes.csv").write_text(
        "id,lon,lat\n" + "".join(f"{i},{x},{y}\n" for i, x, y in zip(IDS, LON, LAT, strict=True)))
    (tmp_path / "network.csv").write_text(
        "from,to,hours\n" + "".join(f"{a},{b},{h}\n" for a, b, h in EDGES))
    doc = {
        "forcegen": 1, "network": "network.csv", "nodes": "nodes.csv",
        "nations": [{"code": "FRA"}],
        "sectors": [{"id": "east", "node": "S"}],
        "requirements": [{"id": "R1", "capability": "INF-MECH-BN", "quantity": 1,
                          "sector": "east", "notice_days": 10}],
        "pledges": [{"id": "P1", "nation": "FRA", "capability": "INF-MECH-BN", "quantity": 1,
                     "personnel": 700, "notice_days": 2, "status": "approved", "home": "H"}],
    }
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(doc))
    assert load_scenario(tmp_path).data.network == "network.csv"
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)  # a second command keeps "respond" a subcommand
    res = CliRunner().invoke(app, ["respond", str(tmp_path), "--json",
                                   "--chart", str(tmp_path / "c.svg")])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["sectors"][0]["full_hours"] == pytest.approx(48 + 10)
    assert (tmp_path / "c.svg").read_text().startswith("<?xml")
