"""The shipped land (Natural Earth 1:50m outer rings) and the geometry sea routing tests on it.

Longitudes are unwrapped at a cut (:func:`_cut`, the widest gap between the points) so a set of
points across the antimeridian lies in one interval; :class:`_Land` holds the rings meeting a
box in that frame. Split from :mod:`forcegen.network.sea`, which routes over these cells.
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from importlib import resources

import numpy as np
from matplotlib.path import Path as MplPath

__all__ = ["EARTH_RADIUS_NM", "land_rings", "on_land"]

EARTH_RADIUS_NM = 3440.065


@lru_cache(maxsize=1)
def land_rings() -> tuple[np.ndarray, ...]:
    """The shipped land as (n, 2) lon/lat outer rings, in degrees."""
    with resources.files("forcegen.data").joinpath("world_land.npz").open("rb") as fh:
        z = np.load(fh)
        xy, starts = z["xy"] / 100.0, z["starts"]
    return tuple(xy[a:b] for a, b in itertools.pairwise(starts))


def _gc_nm(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    lo1, la1, lo2, la2 = (np.radians(x) for x in (lon1, lat1, lon2, lat2))
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return 2 * EARTH_RADIUS_NM * np.arcsin(np.minimum(1.0, np.sqrt(h)))


class _Land:
    """Land rings unwrapped to longitudes [cut, cut + 360) and clipped to a box."""

    def __init__(self, cut: float, box: tuple[float, float, float, float]) -> None:
        x0, x1, y0, y1 = box
        self.paths: list[tuple[MplPath, np.ndarray, np.ndarray]] = []
        self.vertices: list[np.ndarray] = []
        for ring in land_rings():
            for shift in (-360.0, 0.0, 360.0):
                r = ring + np.array([shift, 0.0])
                lo, hi = r.min(axis=0), r.max(axis=0)
                if hi[0] < x0 or lo[0] > x1 or hi[1] < y0 or lo[1] > y1:
                    continue
                self.paths.append((MplPath(r), lo, hi))
                self.vertices.append(r)

    def contains(self, pts: np.ndarray) -> np.ndarray:
        """Which (n, 2) points lie on land."""
        out = np.zeros(len(pts), dtype=bool)
        order = np.argsort(pts[:, 0], kind="stable")  # each ring's box is then a slice in x
        xs = pts[order, 0]
        for path, lo, hi in self.paths:
            cand = order[np.searchsorted(xs, lo[0]):np.searchsorted(xs, hi[0], side="right")]
            y = pts[cand, 1]
            sel = cand[(y >= lo[1]) & (y <= hi[1])]
            sel = sel[~out[sel]]
            if sel.size:
                out[sel] = path.contains_points(pts[sel])
        return out


def _cut(lons: np.ndarray) -> float:
    """A longitude in the widest gap between the points: the seam of the unwrapped grid."""
    s = np.sort(np.mod(lons + 180.0, 360.0) - 180.0)
    gaps = np.diff(np.concatenate([s, [s[0] + 360.0]]))
    k = int(np.argmax(gaps))
    return float(s[k] + gaps[k] / 2 - 360.0 if s[k] + gaps[k] / 2 > 180 else s[k] + gaps[k] / 2)


def _unwrap(lons: np.ndarray, cut: float) -> np.ndarray:
    return cut + np.mod(lons - cut, 360.0)


def on_land(points: np.ndarray) -> np.ndarray:
    """Which (n, 2) lon/lat points lie inside the shipped land polygons."""
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    lon = np.mod(pts[:, 0] + 180.0, 360.0) - 180.0
    land = _Land(-180.0, (-180.0, 180.0, float(pts[:, 1].min()), float(pts[:, 1].max())))
    return land.contains(np.column_stack([lon, pts[:, 1]]))


def _clear(land: _Land, a: np.ndarray, b: np.ndarray, step: float, skip_a: np.ndarray,
           skip_b: np.ndarray) -> np.ndarray:
    """For each segment a[k] -> b[k]: no sample (every ``step`` degrees) lies on land.

    Samples within ``skip_a[k]`` degrees of a[k] (a harbour approach) are not tested.
    """
    n_s = np.maximum(2, np.ceil(np.hypot(*(b - a).T) / step).astype(int) + 1)
    seg = np.repeat(np.arange(len(a)), n_s)
    t = np.concatenate([np.linspace(0.0, 1.0, m) for m in n_s]) if len(a) else np.zeros(0)
    pts = a[seg] + (b - a)[seg] * t[:, None]
    length = np.hypot(*(b - a).T)[seg]
    tested = (t * length >= skip_a[seg]) & ((1 - t) * length >= skip_b[seg])
    wet = np.ones(len(pts), dtype=bool)
    wet[tested] = ~land.contains(pts[tested])
    return np.bincount(seg, weights=~wet, minlength=len(a)) == 0
