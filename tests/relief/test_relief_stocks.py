"""Pre-positioned relief stocks: the fewest sites reaching every place in H hours, checked
against every subset of sites with hours recomputed from scratch."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from _relief_oracle import random_relief
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.exceptions import OptionError
from forcegen.network import haversine_km
from forcegen.relief import build, load_relief
from forcegen.relief.stocks import plan_stocks
from forcegen.relief.transport import DETOUR

EX = Path(__file__).resolve().parents[2] / "examples" / "pacific-cyclone"


def _km(p, q) -> float:
    return float(haversine_km(np.array(p[0]), np.array(p[1]), np.array(q[0]), np.array(q[1])))


def _hours_from(rd, site, place) -> float:
    """Stock at ``site`` to ``place``: flight to the airfield nearest the place, last drive."""
    s = rd.settings
    afs = [a for a in rd.airfields if a.open]
    near = min(afs, key=lambda a: (_km(place, a.at), afs.index(a)))
    if _km(place, near.at) > s.reach_km:
        return math.inf
    hop = 0.0 if near.id == site.id else _km(site.at, near.at) / s.air_speed \
        + 2 * s.handling_hours
    return hop + _km(near.at, place) * DETOUR / s.ground_speed


def _fewest(rd, hours: float) -> tuple[int, float]:
    """The least number of sites covering every reachable place, and its least worst hours."""
    places = list({(round(r.at[0], 4), round(r.at[1], 4)): r.at for r in rd.requests}.values())
    table = np.array([[_hours_from(rd, a, p) for p in places] for a in rd.airfields])
    ok = (table <= hours + 1e-9).any(axis=0)
    table = table[:, ok]
    for k in range(1, len(rd.airfields) + 1):
        worst = [table[list(c)].min(axis=0).max() for c in
                 itertools.combinations(range(len(rd.airfields)), k)]
        if min(worst) <= hours + 1e-9:
            return k, float(min(worst))
    raise AssertionError("unreachable")


@pytest.mark.parametrize("seed", range(6))
def test_fewest_sites_match_every_subset(seed):
    rng = np.random.default_rng(seed)
    rd = random_relief(rng, 2, 7)
    prob = build(rd)
    hours = float(rng.choice([4.2, 4.6, 5.0, 8.0]))
    plan = plan_stocks(prob, hours)
    k, worst = _fewest(rd, hours)
    assert plan.status == "optimal"
    assert len(plan.sites) == k
    assert plan.worst_hours == pytest.approx(worst, abs=1e-6)
    # Every reachable place is reached from a chosen site within the hours, as recomputed.
    by_id = {a.id: a for a in rd.airfields}
    for row in plan.reach:
        req = next(r for r in rd.requests if (r.place or r.id) == row["place"])
        assert _hours_from(rd, by_id[row["site"]], req.at) <= hours + 1e-6


def test_example_sea_stocks_and_unreachable_places():
    prob = load_relief(EX)
    sea = plan_stocks(prob, 48, mode="sea")
    assert sea.status == "optimal" and len(sea.sites) == 2 and sea.worst_hours <= 48
    assert {r["place"] for r in sea.reach} == {r.place for r in prob.data.requests}
    # Within 3 hours every flight is too slow (two handlings of 2 h): one site per island.
    air = plan_stocks(prob, 3)
    assert len(air.sites) == 7 and not air.unreachable
    closed = plan_stocks(load_relief(EX, close=("NFTV",)), 3)
    assert closed.unreachable == ["Neiafu, Vava'u"]  # its airfield closed: no stock reaches it
    with pytest.raises(OptionError):
        plan_stocks(prob, 0)


def test_cli_preposition_json_and_bad_hours():
    r = CliRunner().invoke(app, ["relief", "preposition", str(EX), "--hours", "48", "--mode",
                                 "sea", "--json"])
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["proven_fewest"] and len(doc["sites"]) == 2
    r = CliRunner().invoke(app, ["relief", "preposition", str(EX), "--hours", "-1"])
    assert r.exit_code == 2 and "--hours" in r.stderr and "Traceback" not in r.stderr
    r = CliRunner().invoke(app, ["relief", "preposition", str(EX), "--hours", "5",
                                 "--mode", "rail"])
    assert r.exit_code == 2 and "--mode" in r.stderr
