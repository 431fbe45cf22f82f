"""The map of sectors, depots and home bases as inline SVG.

Country outlines are the Natural Earth 1:50m shapes shipped in ``forcegen/data`` (public domain,
see ``data/ATTRIBUTION.md``), read through ``forcegen.report.maps.country_polygons``. The view is
equirectangular with longitude scaled by the cosine of the middle latitude, like the offline
maps in ``forcegen.report.maps``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

import numpy as np

from forcegen.report.maps import country_polygons
from forcegen.web.roads import RoadLayer

__all__ = ["EUROPE", "MapPoint", "map_svg"]

#: The area the shipped country shapes cover well (lon min, lon max, lat min, lat max).
EUROPE: tuple[float, float, float, float] = (-25.0, 50.0, 33.0, 72.0)


@dataclass(frozen=True)
class MapPoint:
    """Something to draw: ``kind`` is ``sector``, ``depot`` or ``base``."""

    kind: str
    lon: float
    lat: float
    label: str
    detail: list[str] = field(default_factory=list)
    weight: int = 1
    #: A short second line under a sector's label (units assigned by a plan).
    badge: str = ""


def inside(lon: float, lat: float, box: Sequence[float] = EUROPE) -> bool:
    """Whether a point lies in ``box``."""
    return box[0] <= lon <= box[1] and box[2] <= lat <= box[3]


def _extent(points: list[MapPoint], kinds: tuple[str, ...]) -> tuple[float, float, float, float]:
    pts = [p for p in points if p.kind in kinds and inside(p.lon, p.lat)]
    if not pts:
        return (-10.0, 40.0, 35.0, 62.0)
    lons = [p.lon for p in pts]
    lats = [p.lat for p in pts]
    pad = 1.0 + 0.04 * (max(lons) - min(lons))
    # Extra room on the east for the sector labels, which are written to the right.
    return (min(lons) - pad, max(lons) + 3 * pad + 2, min(lats) - pad, max(lats) + pad)


def _place(x: float, y: float, text: str, taken: list[tuple[float, float, float, float]]
           ) -> tuple[float, float]:
    """A label position right of (x, y) that does not overlap labels already placed."""
    w, h = 7.2 * len(text), 16.0
    for dy in (0, 17, -17, 34, -34, 51, -51):
        box = (x + 12, y - 11 + dy, x + 12 + w, y - 11 + dy + h)
        if all(box[2] < a or box[0] > c or box[3] < b or box[1] > d for a, b, c, d in taken):
            taken.append(box)
            return x + 12, y + 5 + dy
    return x + 12, y + 5


def _circle(x: float, y: float, r: float, cls: str, title: str) -> str:
    return (f'<circle class="{cls}" cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}">'
            f"<title>{title}</title></circle>")


def map_svg(
    points: list[MapPoint],
    width: int = 960,
    fit: tuple[str, ...] = ("sector", "depot", "base"),
    roads: RoadLayer | None = None,
) -> tuple[str, int]:
    """The map as ``<svg>`` and the number of points outside the drawn area.

    The view fits the points of the ``fit`` kinds (within Europe). ``roads``: drawn under the
    points, coloured by travel-time band (``web.roads``).
    """
    x0, x1, y0, y1 = _extent(points, fit)
    k = math.cos(math.radians((y0 + y1) / 2))
    scale = width / ((x1 - x0) * k)
    height = round((y1 - y0) * scale)

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return (lon - x0) * k * scale, (y1 - lat) * scale

    out = [
        f'<svg class="map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="Map of sectors and bases" data-zoom="on">',
        f'<rect class="sea" width="{width}" height="{height}"/>',
    ]
    for code, ring in country_polygons():
        lo, hi = ring.min(axis=0), ring.max(axis=0)
        if hi[0] < x0 or lo[0] > x1 or hi[1] < y0 or lo[1] > y1:
            continue
        px = (ring[:, 0] - x0) * k * scale
        py = (y1 - ring[:, 1]) * scale
        pts = np.round(np.column_stack([px, py]), 1)
        d = "M" + "L".join(f"{a:g} {b:g}" for a, b in pts) + "Z"
        out.append(f'<path class="land" d="{d}"><title>{escape(code)}</title></path>')
    if roads is not None:
        out.extend(_road_paths(roads, (x0, x1, y0, y1), k * scale))
    outside = 0
    labels: list[str] = []
    taken: list[tuple[float, float, float, float]] = []
    for p in sorted(points, key=lambda p: {"base": 0, "depot": 1, "sector": 2}.get(p.kind, 3)):
        if not (x0 <= p.lon <= x1 and y0 <= p.lat <= y1):
            outside += 1
            continue
        x, y = xy(p.lon, p.lat)
        title = escape("\n".join([p.label, *p.detail]))
        if p.kind == "sector":
            out.append(f'<rect class="sector" x="{x - 8:.1f}" y="{y - 8:.1f}" width="16" '
                       f'height="16"><title>{title}</title></rect>')
            short = p.label.split(" (")[0]
            lx, ly = _place(x, y, short, taken)
            labels.append(f'<text class="maplabel" x="{lx:.1f}" y="{ly:.1f}">'
                          f"<title>{title}</title>{escape(short)}</text>")
            if p.badge:
                labels.append(f'<text class="mapbadge" x="{lx:.1f}" y="{ly + 14:.1f}">'
                              f"<title>{title}</title>{escape(p.badge)}</text>")
        elif p.kind == "depot":
            out.append(f'<path class="depot" d="M{x:.1f} {y - 8:.1f}l7 13h-14z">'
                       f"<title>{title}</title></path>")
        else:
            out.append(_circle(x, y, 3 + 1.6 * math.sqrt(p.weight), "base", title))
    out.extend(labels)
    out.append("</svg>")
    return "".join(out), outside


def _road_paths(
    roads: RoadLayer, box: tuple[float, float, float, float], x_scale: float
) -> list[str]:
    """One ``<path>`` per travel-time band holding its road arcs inside the view ``box``.

    The projection is :func:`map_svg`'s: ``x = (lon - x0) * x_scale``, ``y = (y1 - lat) *
    scale`` with ``scale = x_scale / cos(middle latitude)``.
    """
    x0, x1, y0, y1 = box
    scale = x_scale / math.cos(math.radians((y0 + y1) / 2))
    inside_a = (roads.lon[roads.src] >= x0) & (roads.lon[roads.src] <= x1) & (
        roads.lat[roads.src] >= y0) & (roads.lat[roads.src] <= y1)
    inside_b = (roads.lon[roads.dst] >= x0) & (roads.lon[roads.dst] <= x1) & (
        roads.lat[roads.dst] >= y0) & (roads.lat[roads.dst] <= y1)
    keep = inside_a | inside_b
    px, py = (roads.lon - x0) * x_scale, (y1 - roads.lat) * scale
    out = []
    for band in sorted({int(b) for b in roads.band[keep]}):
        arcs = np.flatnonzero(keep & (roads.band == band))
        d = "".join(
            f"M{px[a]:.1f} {py[a]:.1f}L{px[b]:.1f} {py[b]:.1f}"
            for a, b in zip(roads.src[arcs], roads.dst[arcs], strict=True)
        )
        css = f"road b{band}" if band >= 0 else "road unreached"
        out.append(f'<path class="{css}" d="{d}"/>')
    return out
