"""Map furniture for briefing maps: labels, scale bar, north arrow, attribution off the map.

Sizes are chosen for an A4 landscape page (the figure is A4 at 100 %): labels 8-9 pt, legend
9 pt, attribution 7 pt below the map frame, never over the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib import patheffects
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

__all__ = ["A4_LANDSCAPE", "ATTRIBUTION", "add_attribution", "add_labels", "add_north_arrow",
           "add_scale_bar", "nice_km"]

#: Figure size in inches: A4 landscape.
A4_LANDSCAPE = (11.69, 8.27)
#: Sources of the shipped map data (see ``forcegen/data/ATTRIBUTION.md``).
ATTRIBUTION = ("Countries: Natural Earth (public domain). Roads: ETISplus (Speth et al. 2022, "
               "CC BY 4.0), E-road network (Šubelj & Bajec 2011). Ports: Natural Earth.")

_HALO = [patheffects.withStroke(linewidth=2.5, foreground="white")]


def nice_km(span_km: float) -> int:
    """A round scale-bar length near a fifth of ``span_km`` (1, 2 or 5 times a power of ten)."""
    target = max(span_km / 5.0, 1.0)
    power = 10 ** int(np.floor(np.log10(target)))
    return int(max(m * power for m in (1, 2, 5) if m * power <= target))


def add_scale_bar(ax: Any, mid_lat: float) -> AnchoredSizeBar:
    """A scale bar in km at the lower right (x axis in degrees of longitude)."""
    x0, x1 = ax.get_xlim()
    km_per_deg = 111.32 * float(np.cos(np.radians(mid_lat)))
    km = nice_km((x1 - x0) * km_per_deg)
    bar = AnchoredSizeBar(ax.transData, km / km_per_deg, f"{km:,} km", "lower right",
                          pad=0.6, borderpad=0.8, sep=4, frameon=True, size_vertical=0,
                          fontproperties={"size": 9})
    bar.patch.set_alpha(0.85)
    bar.set_gid("scale-bar")
    ax.add_artist(bar)
    return bar


def add_north_arrow(ax: Any) -> Any:
    """An arrow and "N" at the upper right (the maps are north-up)."""
    arrow = ax.annotate("N", xy=(0.965, 0.965), xytext=(0.965, 0.875),
                        xycoords="axes fraction", textcoords="axes fraction", ha="center",
                        va="center", fontsize=12, fontweight="bold",
                        arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.8},
                        zorder=6)
    arrow.set_gid("north-arrow")
    return arrow


def add_attribution(fig: Any, ax: Any, text: str = ATTRIBUTION) -> Any:
    """The data sources below the map frame (figure coordinates, outside the data area)."""
    fig.canvas.draw()  # the axes' final position, after aspect and colour bar
    box = ax.get_position()
    t = fig.text(box.x0, max(box.y0 - 0.075, 0.005), text, fontsize=7, color="#444444",
                 ha="left", va="top", wrap=True)
    t.set_gid("attribution")
    return t


def add_labels(ax: Any, items: Sequence[tuple[float, float, str]], *, size: float = 9,
               weight: str = "bold", colour: str = "black", max_labels: int = 60,
               keep: int = 0) -> list[Any]:
    """Text beside each point (white halo so it reads over roads); at most ``max_labels``.

    Each label takes the first of six places around its point (right-above, right-below,
    left-above, left-below, ...) inside the frame that overlaps no label already placed; the
    first ``keep`` labels (sectors, depots) are always written, later ones (home bases) are
    left out rather than written over another.
    """
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    renderer = ax.figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    placed: list[Any] = []  # display boxes of the labels written so far
    out = []
    inside = [it for it in items if x0 <= it[0] <= x1 and y0 <= it[1] <= y1]
    for k, (lon, lat, text) in enumerate(inside[:max_labels]):
        t = ax.annotate(text, (lon, lat), xytext=(5, 4), textcoords="offset points",
                        fontsize=size, fontweight=weight, color=colour, zorder=5)
        t.set_path_effects(_HALO)
        for dx, dy, ha in ((5, 4, "left"), (5, -14, "left"), (-5, 4, "right"),
                           (-5, -14, "right"), (5, 16, "left"), (-5, -26, "right")):
            t.set_position((dx, dy))
            t.set_horizontalalignment(ha)
            box = t.get_window_extent(renderer)
            if frame.x0 <= box.x0 and box.x1 <= frame.x1 and not any(
                    box.overlaps(b) for b in placed):
                break
        else:
            if k >= keep:  # a home base: left out rather than written over another label
                t.remove()
                continue
            t.set_position((5, 4))
            t.set_horizontalalignment("left")
            box = t.get_window_extent(renderer)
        placed.append(box)
        out.append(t)
    return out
