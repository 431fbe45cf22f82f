"""Sea routing: legs go around land, open-sea legs stay great circles."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from _patrol_oracle import write_patrol
from matplotlib.path import Path as MplPath

from forcegen.patrols import load_patrol
from forcegen.patrols.sea import land_rings, sea_routes

R_NM = 3440.065


def _gc(a, b) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * R_NM * math.asin(math.sqrt(h))


def _land_hits(path: np.ndarray, step: float = 0.004) -> int:
    """Samples of the polyline (every ``step`` degrees) inside any Natural Earth land ring."""
    pts = []
    for a, b in itertools.pairwise(path):
        n = max(2, int(np.hypot(*(b - a)) / step) + 1)
        pts.append(a + (b - a) * np.linspace(0, 1, n)[:, None])
    s = np.concatenate(pts)
    return sum(int(MplPath(r).contains_points(s).sum()) for r in land_rings()
               if r[:, 0].min() <= s[:, 0].max() and r[:, 0].max() >= s[:, 0].min()
               and r[:, 1].min() <= s[:, 1].max() and r[:, 1].max() >= s[:, 1].min())


def test_leg_across_north_island_goes_around_it():
    west, east = (172.5, -38.5), (179.0, -38.5)  # Tasman Sea and off Gisborne: land between
    assert _land_hits(np.array([west, east])) > 0  # the straight leg does cross land
    r = sea_routes(np.array([west, east]))
    path = r.path(0, 1)
    assert _land_hits(path) == 0
    assert r.nm[0, 1] > 1.2 * _gc(west, east)
    # The reported distance is the length of the drawn path.
    assert r.nm[0, 1] == pytest.approx(sum(_gc(a, b) for a, b in itertools.pairwise(path)),
                                       rel=1e-9)
    assert tuple(path[0]) == west and tuple(path[-1]) == east
    # Through Cook Strait, not round North Cape: well under the northern way round.
    assert r.nm[0, 1] < _gc(west, (173.0, -34.0)) + _gc((173.0, -34.0), (178.6, -37.4)) \
        + _gc((178.6, -37.4), east)


def test_open_sea_leg_is_the_great_circle():
    a, b, c = (160.0, -30.0), (166.0, -33.0), (179.6, -31.0)
    d = (-179.4, -31.5)  # across the antimeridian: a few dozen miles, not round the world
    r = sea_routes(np.array([a, b, c, d]))
    assert r.nm[0, 1] == pytest.approx(_gc(a, b), rel=1e-9)
    assert r.nm[2, 3] == pytest.approx(_gc(c, d), rel=1e-9)
    assert r.nm[2, 3] < 60
    assert np.allclose(r.nm, r.nm.T)


def test_patrol_legs_use_sea_distance_unless_great_circle_asked(tmp_path):
    patrol = {"ports": [{"id": "P", "at": [172.5, -38.5]}],
              "areas": [{"id": "A", "at": [179.0, -38.5], "value": 1}],
              "vessels": [{"id": "V", "nation": "NZL", "start": "P", "end": "P",
                           "endurance": 200, "speed": 10}]}
    sea = load_patrol(write_patrol(tmp_path, patrol))
    direct = _gc((172.5, -38.5), (179.0, -38.5)) / 10
    assert sea.t_start[0, 0] > 1.2 * direct
    assert any("sea grid" in n for n in sea.notes)
    (tmp_path / "gc").mkdir()
    straight = load_patrol(write_patrol(tmp_path / "gc", {**patrol, "routing": "great-circle"}))
    assert straight.t_start[0, 0] == pytest.approx(direct, rel=1e-9)


def test_point_far_inland_is_an_error_naming_it(tmp_path):
    from forcegen.exceptions import ScenarioError

    patrol = {"ports": [{"id": "P", "at": [172.5, -38.5]}],
              "areas": [{"id": "tasman", "at": [165.0, -38.0], "value": 1},
                        {"id": "alice", "at": [133.9, -23.7], "value": 1}],  # Alice Springs
              "vessels": [{"id": "V", "nation": "NZL", "start": "P", "end": "P",
                           "endurance": 200, "speed": 10}]}
    with pytest.raises(ScenarioError) as exc:
        load_patrol(write_patrol(tmp_path, patrol))
    (p,) = exc.value.problems
    assert p.field == "areas.1" and "'alice'" in p.message and "inland" in p.message
    assert p.line is not None
