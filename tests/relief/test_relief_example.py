"""The Pacific cyclone example: runs in seconds, explains its shortfalls, answers what-ifs."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.network import haversine_km
from forcegen.patrols.sea import on_land
from forcegen.relief import load_relief, plan_relief

EX = Path(__file__).resolve().parents[2] / "examples" / "pacific-cyclone"


def _by_request(plan) -> dict:
    return {r.request: r for r in plan.requests}


def test_example_plan_is_proven_and_explains_the_late_generators():
    plan = plan_relief(load_relief(EX))
    assert plan.status == "optimal"
    gen = _by_request(plan)["RQ-FJI-2"]
    assert (gen.in_time, gen.late) == (6, 4)
    (why,) = gen.reasons
    assert why.code == "too-late" and "slowest leg: sailing Noumea -> Suva" in why.message


def test_closing_vavau_leaves_the_medical_team_without_a_route():
    plan = plan_relief(load_relief(EX, close=("NFTV",)))
    med = _by_request(plan)["RQ-TON-3"]
    assert med.in_time == 0 and med.short == 1
    assert [r.code for r in med.reasons] == ["no-route"]
    assert "no open airfield within 60 km of the place" in med.reasons[0].message


def test_withdrawn_ship_is_out_and_shelter_arrives_later():
    base = _by_request(plan_relief(load_relief(EX)))
    plan = plan_relief(load_relief(EX, withdraw=("OF-GBR-1", "OF-GBR-2")))
    assert plan.out == {"OF-GBR-1": "withdrawn (what-if)", "OF-GBR-2": "withdrawn (what-if)"}
    assert not any(d.offer.startswith("OF-GBR") for d in plan.deliveries)
    after = _by_request(plan)
    assert after["RQ-TON-2"].first_arrival > base["RQ-TON-2"].first_arrival


def test_sea_legs_go_round_land_and_are_no_shorter_than_the_great_circle():
    prob = load_relief(EX)
    plan = plan_relief(prob)
    sea = [d for d in plan.deliveries if d.mode == "sea"]
    assert sea
    for d in sea:
        line = plan.lines[(d.offer, d.request)]
        sail = line[1:-1].copy()
        sail[:, 0] = np.degrees(np.unwrap(np.radians(sail[:, 0])))  # across the antimeridian
        seg = np.concatenate([np.linspace(a, b, 40) for a, b in itertools.pairwise(sail)])
        inner = seg[5:-5]  # the harbour approaches may cross the coastline polygon
        assert on_land(inner).mean() < 0.05
        nm = float(haversine_km(sail[0, 0], sail[0, 1], sail[-1, 0], sail[-1, 1])) / 1.852
        leg = next(g for g in d.legs if g["kind"] == "sailing")
        speed = next(o.speed for o in prob.data.offers if o.id == d.offer)
        assert leg["hours"] >= nm / speed + 2 * prob.data.settings.handling_hours - 1e-6


def test_cli_json_what_if_and_chart(tmp_path):
    chart = tmp_path / "timeline.png"
    r = CliRunner().invoke(app, ["relief", str(EX), "--json", "--close", "NFTV",
                                 "--chart", str(chart)])
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["what_if"]["in_time"] == [913, 912]
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_table():
    r = CliRunner().invoke(app, ["relief", str(EX)])
    assert r.exit_code == 0, r.stderr
    assert "913 of 917 units in time" in r.stdout and "proven best" in r.stdout


def test_held_offers_stay_with_their_request_even_without_a_route(tmp_path):
    text = (EX / "scenario.yaml").read_text().replace(
        "notice_hours: 24, mode: air, name: Medical team by C-130J}",
        "notice_hours: 24, mode: air, name: Medical team by C-130J, status: in-transit, "
        "request: RQ-TON-3}")
    (tmp_path / "scenario.yaml").write_text(text)
    plan = plan_relief(load_relief(tmp_path, close=("NFTV",)))
    (d,) = [d for d in plan.deliveries if d.request == "RQ-TON-3"]
    assert (d.offer, d.status, d.quantity) == ("OF-NZL-3", "in-transit", 1)
    assert d.hours == -1.0 and not d.in_time  # no route now: arrival unknown, not in time
    assert plan.status == "optimal"
    doc = plan.to_dict()
    assert json.loads(json.dumps(doc))["deliveries"]  # JSON-ready (no inf, no numpy types)
