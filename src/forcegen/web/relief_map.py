"""The relief map: requests, offers' home bases and routes over the shipped world land, as SVG.

Drawn offline from ``forcegen/data/world_land.npz`` (Natural Earth 1:50m outer rings, public
domain; see ``data/ATTRIBUTION.md``) through :func:`forcegen.network.sea.land_rings`. Relief
operations in the Pacific straddle the antimeridian, so longitudes are unwrapped at the widest
gap between the points before they are drawn (Tonga at -175 degrees lies east of New
Caledonia at 166, not a world away). The projection is equirectangular with longitude scaled
by the cosine of the middle latitude, as in :mod:`forcegen.web.geo`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

import numpy as np

from forcegen.network import haversine_km
from forcegen.network.sea import land_rings

__all__ = ["ReliefMark", "relief_svg", "unwrap_cut"]


@dataclass(frozen=True)
class ReliefMark:
    """A request (``kind="request"``, ``state`` its state) or an offer's home (``offer``)."""

    kind: str
    lon: float
    lat: float
    label: str
    detail: list[str] = field(default_factory=list)
    state: str = ""


def unwrap_cut(lons: Sequence[float]) -> float:
    """The longitude where the widest gap between ``lons`` begins its far side.

    Longitudes below the cut get 360 added, so the points lie in one interval whatever side
    of the antimeridian they are on.
    """
    xs = sorted({((x + 180.0) % 360.0) - 180.0 for x in lons})
    if len(xs) < 2:
        return -180.0
    gaps = [(b - a, b) for a, b in itertools.pairwise(xs)]
    gaps.append((xs[0] + 360.0 - xs[-1], xs[0]))  # the gap across the antimeridian
    return max(gaps)[1]


def _unwrap(lon: float, cut: float) -> float:
    x = ((lon + 180.0) % 360.0) - 180.0
    return x + 360.0 if x < cut else x


def _class(state: str) -> str:
    return "rq-" + state.replace(" ", "-") if state else "rq-open"


def _fitted(marks: list[ReliefMark], fit_km: float) -> list[tuple[float, float]]:
    """The points the view fits: requests, and offers' homes within ``fit_km`` of one.

    A team flown in from Europe would otherwise shrink the islands to dots.
    """
    asks = np.array([(m.lon, m.lat) for m in marks if m.kind == "request"]).reshape(-1, 2)
    out = [(float(a), float(b)) for a, b in asks]
    for m in marks:
        if m.kind != "request" and (
            asks.size == 0 or haversine_km(m.lon, m.lat, asks[:, 0], asks[:, 1]).min() <= fit_km
        ):
            out.append((m.lon, m.lat))
    return out


def relief_svg(
    marks: list[ReliefMark],
    routes: list[tuple[str, list[list[float]]]],
    width: int = 960,
    fit_km: float = 4000.0,
) -> tuple[str, int]:
    """The map as ``<svg>`` and the number of marks outside it.

    Drawn: land, routes (``(title, [[lon, lat], ...])``), offers' homes, requests. The view
    fits the requests and the homes within ``fit_km`` of one; lines to homes farther away
    leave the frame.
    """
    pts = _fitted(marks, fit_km)
    if not pts:
        return "", len(marks)
    cut = unwrap_cut([p[0] for p in pts])
    ux = [_unwrap(p[0], cut) for p in pts]
    uy = [p[1] for p in pts]
    pad = max(1.0, 0.08 * max(max(ux) - min(ux), max(uy) - min(uy)))
    # Extra room on the east: the place names are written to the right of their squares.
    x0, x1, y0, y1 = min(ux) - pad, max(ux) + 2.5 * pad, min(uy) - pad, max(uy) + pad
    k = math.cos(math.radians((y0 + y1) / 2))
    scale = width / ((x1 - x0) * k)
    height = round((y1 - y0) * scale)

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return (_unwrap(lon, cut) - x0) * k * scale, (y1 - lat) * scale

    out = [
        f'<svg class="map relief" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Map of relief requests, offers and routes" data-zoom="on">',
        f'<rect class="sea" width="{width}" height="{height}"/>',
    ]
    for ring in land_rings():
        for shift in (-360.0, 0.0, 360.0):
            move = np.array([shift, 0.0])
            lo, hi = ring.min(axis=0) + move, ring.max(axis=0) + move
            if hi[0] < x0 or lo[0] > x1 or hi[1] < y0 or lo[1] > y1:
                continue
            px = (ring[:, 0] + shift - x0) * k * scale
            py = (y1 - ring[:, 1]) * scale
            d = "M" + "L".join(f"{a:.1f} {b:.1f}" for a, b in zip(px, py, strict=True)) + "Z"
            out.append(f'<path class="land" d="{d}"/>')
    for title, line in routes:
        d = "M" + "L".join("{:.1f} {:.1f}".format(*xy(p[0], p[1])) for p in line)
        out.append(f'<path class="route" d="{d}"><title>{escape(title)}</title></path>')
    labels = []
    outside = 0
    for m in sorted(marks, key=lambda m: m.kind != "offer"):
        x, y = xy(m.lon, m.lat)
        if not (0 <= x <= width and 0 <= y <= height):
            outside += 1
            continue
        title = escape("\n".join([m.label, *m.detail]))
        if m.kind == "offer":
            out.append(
                f'<circle class="home" cx="{x:.1f}" cy="{y:.1f}" r="6">'
                f"<title>{title}</title></circle>"
            )
        else:
            out.append(
                f'<rect class="request {_class(m.state)}" x="{x - 7:.1f}" '
                f'y="{y - 7:.1f}" width="14" height="14"><title>{title}</title></rect>'
            )
            labels.append(
                f'<text class="maplabel" x="{x + 10:.1f}" y="{y + 4:.1f}">'
                f"<title>{title}</title>{escape(m.label)}</text>"
            )
    out.extend(labels)
    out.append("</svg>")
    return "".join(out), outside
