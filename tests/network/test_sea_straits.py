"""Sea routing in the network layer: around peninsulas and through the Turkish straits."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from matplotlib.path import Path as MplPath

from forcegen.network._straits import STRAITS
from forcegen.network.sea import land_rings, sea_routes

R_NM = 3440.065


def _gc(a, b) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * R_NM * math.asin(math.sqrt(h))


def _land_hits(path: np.ndarray, step: float = 0.004) -> int:
    """Samples of the polyline (every ``step`` degrees) inside any Natural Earth land ring."""
    pts = []
    for a, b in itertools.pairwise(np.asarray(path, dtype=float)):
        n = max(2, int(np.hypot(*(b - a)) / step) + 1)
        pts.append(a + (b - a) * np.linspace(0, 1, n)[:, None])
    s = np.concatenate(pts)
    return sum(int(MplPath(r).contains_points(s).sum()) for r in land_rings()
               if r[:, 0].min() <= s[:, 0].max() and r[:, 0].max() >= s[:, 0].min()
               and r[:, 1].min() <= s[:, 1].max() and r[:, 1].max() >= s[:, 1].min())


@pytest.mark.parametrize("name", sorted(STRAITS))
def test_each_fairway_is_at_sea_in_the_shipped_land(name: str) -> None:
    assert _land_hits(np.array(STRAITS[name])) == 0


def test_around_the_italian_boot() -> None:
    ligurian, taranto = (9.8, 43.9), (17.0, 40.2)
    assert _land_hits(np.array([ligurian, taranto])) > 0  # the straight line crosses Italy
    r = sea_routes(np.array([ligurian, taranto]))
    path = r.path(0, 1)
    assert _land_hits(path) == 0
    assert r.nm[0, 1] > 1.5 * _gc(ligurian, taranto)
    assert r.nm[0, 1] == pytest.approx(sum(_gc(a, b) for a, b in itertools.pairwise(path)),
                                       rel=1e-9)
    # South round Sicily or through Messina: never further than via a point south of Sicily.
    south = (14.5, 36.4)
    assert r.nm[0, 1] < _gc(ligurian, (8.5, 41.0)) + _gc((8.5, 41.0), south) + _gc(south, taranto)


def test_black_sea_to_the_aegean_through_both_straits() -> None:
    odesa, piraeus = (30.9, 46.3), (23.5, 37.8)
    assert _land_hits(np.array([odesa, piraeus])) > 0  # straight across Thrace
    r = sea_routes(np.array([odesa, piraeus]))
    path = r.path(0, 1)
    assert math.isfinite(r.nm[0, 1])
    assert _land_hits(path) == 0
    assert r.nm[0, 1] > _gc(odesa, piraeus)
    # By hand: off Odesa to the Bosphorus, along both fairways, then to Piraeus.
    bos, dar = STRAITS["Bosphorus"], STRAITS["Dardanelles"]
    hand = (_gc(odesa, bos[0]) + sum(_gc(a, b) for a, b in itertools.pairwise(bos))
            + _gc(bos[-1], dar[0]) + sum(_gc(a, b) for a, b in itertools.pairwise(dar))
            + _gc(dar[-1], piraeus))
    assert r.nm[0, 1] == pytest.approx(hand, rel=0.05)


def test_without_the_fairways_the_black_sea_is_a_lake(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("forcegen.network.sea.straits_in", lambda lo, hi, unwrap: [])
    r = sea_routes(np.array([(30.9, 46.3), (23.5, 37.8)]))
    assert not math.isfinite(r.nm[0, 1])
