"""Patrol routes on an offline coastline map (matplotlib, Agg backend; no tiles, no downloads).

Land is the Natural Earth 1:50m layer shipped for sea routing (:func:`forcegen.network.sea.
land_rings`); each leg is drawn as the vessel sails it (its sea path around land, or the
straight leg), areas are circles sized by value (filled when patrolled), ports squares, with a
legend and a scale bar in nautical miles. Longitudes are unwrapped like the sea grid, so a
patrol across the antimeridian is one picture. The format follows the suffix: .png or .svg.
A vessel sailing on several days (``days: N``) has one route a day: each is its own line,
labelled "vessel day N" in the legend, and the title gives the days the plan spans.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.ticker import FuncFormatter

from forcegen.exceptions import OptionError
from forcegen.network._land import _cut, _unwrap, land_rings

__all__ = ["plot_patrol_map", "route_label"]

_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
            "#17becf", "#bcbd22", "#7f7f7f"]
_NICE_NM = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000)


def _leg(legs: Any, a: tuple[float, float], b: tuple[float, float]) -> np.ndarray:
    if legs is None:
        return np.array([a, b], dtype=float)
    return np.asarray(legs.polyline(a, b), dtype=float)


def _drawable(prob: Any, out: Path) -> Any:
    """The problem's coordinates, refusing a wrong suffix or anything without coordinates."""
    if out.suffix.lower() not in (".png", ".svg"):
        raise OptionError(f"{{path}} {out}: a map is written as .png or .svg, got "
                          f"{out.suffix!r}", "path")
    geo = prob.geo
    if geo is None:
        raise OptionError("{path}: the patrol has no coordinates to draw", "path")
    missing = [prob.area_ids[i] for i, at in enumerate(geo.area_at) if at is None]
    missing += [prob.vessel_ids[k] for k in range(prob.n_vessels)
                if geo.start_at[k] is None or geo.end_at[k] is None]
    if missing:
        raise OptionError("{path}: no coordinates (at) for " + ", ".join(missing[:8])
                          + (f" and {len(missing) - 8} more" if len(missing) > 8 else ""),
                          "path")
    return geo


def _draw_land(ax: Any, x0: float, x1: float, y0: float, y1: float) -> None:
    """The land polygons meeting the view (each also shifted a turn east and west)."""
    polys = []
    for ring in land_rings():
        for shift in (-360.0, 0.0, 360.0):
            r = ring + np.array([shift, 0.0])
            if r[:, 0].max() >= x0 and r[:, 0].min() <= x1 and r[:, 1].max() >= y0 \
                    and r[:, 1].min() <= y1:
                polys.append(r)
    ax.add_collection(PolyCollection(polys, facecolor="#f2efe9", edgecolor="#9a9a9a",
                                     linewidth=0.4, zorder=0))


def _draw_places(ax: Any, prob: Any, visited: set[int],
                 unwrap: Callable[[np.ndarray], np.ndarray]) -> None:
    """Areas as circles sized by value (filled when patrolled, window beside the id), ports."""
    geo = prob.geo
    vmax = float(prob.values.max()) if prob.n_areas and prob.values.max() > 0 else 1.0
    for i, at in enumerate(geo.area_at):
        x, y = unwrap(np.array([at]))[0]
        size = 30 + 170 * float(prob.values[i]) / vmax
        ax.scatter([x], [y], s=size, facecolor="#fdd49e" if i in visited else "none",
                   edgecolor="#b30000", linewidth=1.0, zorder=3)
        if len(geo.area_at) <= 30:  # beyond that (a search grid) labels hide the map
            window = prob.window_text(i)  # beside the label: when a vessel may arrive
            label = f"{prob.area_ids[i]}\n{window}" if window else prob.area_ids[i]
            ax.annotate(label, (x, y), xytext=(4, 4), textcoords="offset points",
                        fontsize=7, zorder=5)
    for pid, at in geo.ports:
        x, y = unwrap(np.array([at]))[0]
        ax.scatter([x], [y], marker="s", s=40, color="#222222", zorder=4)
        ax.annotate(pid, (x, y), xytext=(4, -10), textcoords="offset points", fontsize=8,
                    fontweight="bold", zorder=5)


def route_label(prob: Any, k: int) -> str:
    """Route ``k``'s name: the vessel, and its day when vessels sail on several days."""
    if prob.days is None:
        return str(prob.vessel_ids[k])
    return f"{prob.vessel_ids[k]} day {prob.days[k]}"


def _title(plan: Any) -> str:
    prob = plan.problem
    days = f", days 1-{max(prob.days)}" if prob.days else ""
    return f"{prob.name}: value {plan.total:.4g} ({plan.status}){days}"


def plot_patrol_map(plan: Any, path: str | Path, *, title: str | None = None
                    ) -> dict[str, np.ndarray]:
    """Draw ``plan``'s routes to ``path``; return each sailing route's drawn (n, 2) line.

    Lines are keyed by :func:`route_label` (the vessel id, with "day N" on several days: two
    days of one vessel are two routes, and keying by vessel alone would draw only the last).

    Raises
    ------
    forcegen.exceptions.OptionError
        When the suffix is not .png or .svg, or an area or a vessel's start or end has no
        coordinates (a patrol given by its legs table alone cannot be drawn).
    """
    out = Path(path)
    prob = plan.problem
    geo = _drawable(prob, out)
    lines: dict[str, np.ndarray] = {}
    for k, route in enumerate(plan.routes):
        if not route:
            continue
        pts = [geo.start_at[k], *(geo.area_at[a] for a in route), geo.end_at[k]]
        segs = [_leg(geo.legs, a, b) for a, b in itertools.pairwise(pts)]
        lines[route_label(prob, k)] = np.concatenate([segs[0], *(s[1:] for s in segs[1:])])
    every = [np.array(a) for a in geo.area_at] + [np.array(p) for _, p in geo.ports]
    every += [np.array(p) for p in (*geo.start_at, *geo.end_at)]
    allpts = np.vstack(every + list(lines.values()))
    cut = _cut(allpts[:, 0])

    def unwrap(xy: np.ndarray) -> np.ndarray:
        return np.column_stack([_unwrap(xy[:, 0], cut), xy[:, 1]])

    u = unwrap(allpts)
    span = max(float(np.ptp(u[:, 0])), float(np.ptp(u[:, 1])), 0.2)
    pad = 0.08 * span
    x0, x1 = u[:, 0].min() - pad, u[:, 0].max() + pad
    y0, y1 = max(-89.0, u[:, 1].min() - pad), min(89.0, u[:, 1].max() + pad)
    fig, ax = plt.subplots(figsize=(10, 8))
    _draw_land(ax, x0, x1, y0, y1)
    _draw_places(ax, prob, {a for r in plan.routes for a in r}, unwrap)
    for k, route in enumerate(plan.routes):
        vid = route_label(prob, k)
        if vid not in lines:
            continue
        xy = unwrap(lines[vid])
        value = float(prob.values[route].sum())
        ax.plot(xy[:, 0], xy[:, 1], color=_COLOURS[k % len(_COLOURS)], linewidth=1.6, zorder=2,
                label=f"{vid} ({prob.nations[k]}): {len(route)} areas, value {value:.4g}")
    ax.scatter([], [], s=60, facecolor="#fdd49e", edgecolor="#b30000", label="area patrolled")
    ax.scatter([], [], s=60, facecolor="none", edgecolor="#b30000", label="area not patrolled")
    ax.scatter([], [], marker="s", s=40, color="#222222", label="port")
    ax.legend(loc="upper left", fontsize=8, framealpha=0.9)
    _scale_bar(ax, x0, x1, y0, y1)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1.0 / max(0.05, math.cos(math.radians((y0 + y1) / 2))))
    ax.set_facecolor("#d6e6f2")
    ax.xaxis.set_major_formatter(FuncFormatter(_lon_label))
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_title(title or _title(plan), fontsize=10)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return lines


def _lon_label(x: float, _pos: object = None) -> str:
    """Unwrapped longitude as it is read: 190 -> 170°W."""
    lon = (x + 180.0) % 360.0 - 180.0
    if abs(lon) < 1e-9 or abs(abs(lon) - 180.0) < 1e-9:
        return f"{abs(lon):g}°"
    return f"{abs(lon):g}°{'E' if lon > 0 else 'W'}"


def _scale_bar(ax: Any, x0: float, x1: float, y0: float, y1: float) -> None:
    """A bar of a round number of nautical miles, about a fifth of the width, bottom right."""
    lat = y0 + 0.06 * (y1 - y0)
    nm_per_deg = 60.0 * math.cos(math.radians(lat))
    want = 0.2 * (x1 - x0) * nm_per_deg
    nm = max(n for n in _NICE_NM if n <= max(want, 1))
    width = nm / nm_per_deg
    xe = x1 - 0.05 * (x1 - x0)
    ax.plot([xe - width, xe], [lat, lat], color="black", linewidth=3, zorder=6,
            solid_capstyle="butt")
    ax.annotate(f"{nm:g} nm", ((2 * xe - width) / 2, lat), xytext=(0, 5),
                textcoords="offset points", ha="center", fontsize=8, zorder=6)
