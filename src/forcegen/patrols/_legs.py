"""Leg hours of a patrol: from the legs table, else by distance at the vessel's speed.

Split from :mod:`forcegen.patrols.loader`, which checks the file and builds the problem.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from forcegen.patrols.models import PatrolData, Vessel
from forcegen.patrols.sea import SeaLegs

__all__ = ["great_circle_nm"]

EARTH_RADIUS_NM = 3440.065


def great_circle_nm(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine distance in nautical miles between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_NM * math.asin(min(1.0, math.sqrt(h)))


def _label(ref: Any) -> str:
    return ref if isinstance(ref, str) else f"[{ref[0]}, {ref[1]}]"


class _LegHours:
    """Hours of a leg: from the legs table (either direction), else by distance and speed.

    A leg with neither is infinite and listed under its vessel in ``missing``.
    """

    def __init__(self, legs: dict[tuple[str, str], float], sea: SeaLegs | None) -> None:
        self.legs = dict(legs)
        for (a, b), h in legs.items():  # a table giving one direction gives both
            self.legs.setdefault((b, a), h)
        self.sea = sea
        self.missing: dict[int, list[str]] = {}

    def __call__(self, vi: int, v: Vessel, a: Any, b: Any, a_at: Any, b_at: Any) -> float:
        key = (a if isinstance(a, str) else "", b if isinstance(b, str) else "")
        if key in self.legs:
            return self.legs[key]
        if a == b:
            return 0.0
        if a_at is not None and b_at is not None and v.speed is not None:
            return (self.sea.nm(a_at, b_at) if self.sea is not None
                    else great_circle_nm(a_at, b_at)) / v.speed
        self.missing.setdefault(vi, []).append(f"{_label(a)}-{_label(b)}")
        return math.inf


def _leg_times(pd: PatrolData, vessels: list[Vessel], coord: Callable[[Any], Any],
               hours: _LegHours) -> dict[str, np.ndarray]:
    """Per vessel the hours from its start to each area, back to its end, between areas."""
    n_a, n_v = len(pd.areas), len(vessels)
    area_at = [a.at for a in pd.areas]
    t_start = np.full((n_v, n_a), np.inf)
    t_end = np.full((n_v, n_a), np.inf)
    t_between = np.full((n_v, n_a, n_a), np.inf)
    t_direct = np.zeros(n_v)
    allowed = np.zeros((n_v, n_a), dtype=bool)
    for k, v in enumerate(vessels):
        s_at, e_at = coord(v.start), coord(v.end)
        ok = [v.zones is None or a.zone in v.zones for a in pd.areas]
        allowed[k] = ok
        t_direct[k] = hours(k, v, v.start, v.end, s_at, e_at)
        for i, ai in enumerate(pd.areas):
            if not ok[i]:
                continue
            t_start[k, i] = hours(k, v, v.start, ai.id, s_at, area_at[i])
            t_end[k, i] = hours(k, v, ai.id, v.end, area_at[i], e_at)
            for j, aj in enumerate(pd.areas):
                if j != i and ok[j]:
                    t_between[k, i, j] = hours(k, v, ai.id, aj.id, area_at[i], area_at[j])
    return {"t_start": t_start, "t_end": t_end, "t_between": t_between, "t_direct": t_direct,
            "allowed": allowed}
