"""Modes in ``respond``: ships sail, units in the theatre drive, others take the fastest allowed."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest

from forcegen.network import DEFAULT_SPEEDS
from forcegen.network._straits import STRAITS
from forcegen.readiness._modes import country_at, movement_class
from forcegen.readiness.response import analyze_response
from forcegen.scenario import load_scenario
from forcegen.sourcing import Sourcer

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "reassurance-force"


def _gc_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance written out independently of forcegen.network."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


@pytest.fixture(scope="module")
def example() -> tuple:
    scenario = load_scenario(EXAMPLE)
    plan = Sourcer(scenario).solve()
    rows = [(a.pledge, a.requirement, a.units) for a in plan.assignments]
    both = analyze_response(scenario, rows)
    road_only = analyze_response(scenario, rows, air=False)
    return scenario, both, road_only


def test_movement_classes_from_the_catalog() -> None:
    cat = load_scenario(EXAMPLE).catalog
    assert [movement_class(cat[c]) for c in ("MCM-VESSEL", "FRIGATE", "PATROL-VESSEL",
                                             "MCM-SUPPORT")] == ["sail"] * 4
    assert movement_class(cat["MPA"]) == "air"  # an aircraft, though maritime
    assert movement_class(cat["MCM-DIVE-TEAM"]) == "air"  # a team: may be flown
    assert movement_class(cat["EOD-TEAM"]) == "air"
    assert movement_class(cat["ARMD-BN"]) == movement_class(cat["INF-MECH-BN"]) == "ground"


def test_countries_from_the_shipped_shapes() -> None:
    assert country_at(30.52, 50.45) == "UKR"  # Kyiv
    assert country_at(26.59, 48.68) == "UKR"  # Kamianets-Podilskyi
    assert country_at(27.79, 40.40) == "TUR"  # Bandirma, Sea of Marmara
    assert country_at(-30.0, 45.0) is None  # the Atlantic


def test_issue_example_minehunter_sails_and_ukrainian_eod_drives(example: tuple) -> None:
    scenario, result, _ = example
    by = {(a.pledge, a.requirement): a for a in result.arrivals}
    tur = [a for a in result.arrivals if a.pledge == "P-TUR-01"]  # Turkish minehunters
    ukr = [a for a in result.arrivals if a.pledge == "P-UKR-02"]  # Ukrainian EOD team
    assert tur and ukr
    assert {a.via for a in tur} == {"sea"} and {a.via for a in ukr} == {"road"}
    # The sea leg recomputed by hand: out of the Sea of Marmara, along the Bosphorus fairway,
    # across the Black Sea to Odesa's port, then on to the maritime sector.
    home = scenario.pledge_by_id["P-TUR-01"].home
    sector = scenario.sector_by_id[tur[0].sector].at
    port = (30.73704, 46.50111)  # Odessa in the shipped ports (nearest to the sector)
    bosphorus = STRAITS["Bosphorus"]
    by_hand_km = (_gc_km(*home, *bosphorus[-1])
                  + sum(_gc_km(*a, *b) for a, b in itertools.pairwise(bosphorus[::-1]))
                  + _gc_km(*bosphorus[0], *port))
    assert 745 < by_hand_km < 760  # against 934 km before: 719 km great circle x 1.3
    s = DEFAULT_SPEEDS
    onward = _gc_km(*port, *sector) / s.sea_kmh
    sea_km = (tur[0].move_hours - onward - s.sea_handling_hours) * s.sea_kmh
    assert sea_km == pytest.approx(by_hand_km, rel=0.05)
    assert sea_km > _gc_km(*home, *port)  # around land, longer than the great circle
    assert tur[0].move_hours == pytest.approx(52.5, abs=1.0)  # the CHANGELOG's figure
    assert by[(tur[0].pledge, tur[0].requirement)].hours == pytest.approx(
        tur[0].notice_hours + tur[0].move_hours, rel=1e-9)


def test_every_mode_is_allowed_by_category_and_place(example: tuple) -> None:
    scenario, result, road_only = example
    road = {(a.pledge, a.requirement): a for a in road_only.arrivals}
    airlifted = " ".join(n for n in result.notes if "strategic airlift" in n)
    for a in result.arrivals:
        p = scenario.pledge_by_id[a.pledge]
        how = movement_class(scenario.catalog[p.capability])
        assert (a.via == "sea") == (how == "sail"), a
        if country_at(*p.home) == "UKR":  # already in the theatre: by road
            assert a.via == "road", a
        if how == "ground" and a.via == "air":  # heavy units fly only from off the network
            assert a.pledge in airlifted, a
        if a.via == "air" and math.isfinite(road[(a.pledge, a.requirement)].move_hours):
            # flown only when it is faster than the road
            assert a.move_hours < road[(a.pledge, a.requirement)].move_hours, a
        if a.via == "road" and how == "air" and a.pledge in road:
            assert a.move_hours <= road[(a.pledge, a.requirement)].move_hours + 1e-9
