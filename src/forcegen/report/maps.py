"""Offline maps and charts (matplotlib, Agg backend): no tiles, no downloads.

Country shapes come from the Natural Earth 1:50m layer shipped in ``forcegen/data``
(``europe_countries.json``). Output format follows the file suffix: ``.svg`` or ``.png``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from numpy.typing import NDArray

from forcegen.exceptions import OptionError
from forcegen.network import TransportGraph, nearest_facility, route
from forcegen.report._furniture import (
    A4_LANDSCAPE,
    add_attribution,
    add_labels,
    add_north_arrow,
    add_scale_bar,
)

__all__ = ["BANDS", "country_polygons", "network_map_figure", "plot_forces_over_time",
           "plot_network_map", "plot_response_map", "response_map_figure"]

#: Travel-time bands (hours) used to colour the road network.
BANDS: tuple[float, ...] = (0, 6, 12, 24, 48, 96)
_BAND_COLOURS = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027", "#7f0000"]


def _check_suffix(path: str | Path) -> Path:
    p = Path(path)
    if p.suffix.lower() not in (".svg", ".png"):
        raise OptionError(f"{p}: a map or chart is written as .svg or .png, got {p.suffix!r}")
    return p


@lru_cache(maxsize=1)
def country_polygons() -> tuple[tuple[str, NDArray[np.float64]], ...]:
    """Outer rings of the shipped European country shapes as ``(ISO_A3, (n, 2) lon/lat)``."""
    text = resources.files("forcegen.data").joinpath("europe_countries.json").read_text("utf-8")
    out: list[tuple[str, NDArray[np.float64]]] = []
    for f in json.loads(text)["features"]:
        g = f["geometry"]
        polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        for poly in polys:
            out.append((str(f["properties"].get("ISO_A3", "")), np.asarray(poly[0], dtype=float)))
    return tuple(out)


def _base(ax: Any, extent: Sequence[float]) -> None:
    """Country shapes, graticule-free, in an equirectangular view corrected for latitude."""
    polys = [ring for _, ring in country_polygons()]
    ax.add_collection(PolyCollection(polys, facecolor="#f2efe9", edgecolor="#9a9a9a",
                                     linewidth=0.4, zorder=0))
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect(1.0 / np.cos(np.radians((extent[2] + extent[3]) / 2)))
    ax.set_facecolor("#d6e6f2")
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")


def _edges(G: TransportGraph, modes: Iterable[str] = ("road", "rail", "sea")
           ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    sel = np.isin(G.mode, list(modes)) & (G.tail < G.head)
    return G.tail[sel], G.head[sel]


#: Legs not on the roads, by kind: colour, line style, legend entry.
_LEG_STYLES: dict[str, tuple[str, str, str]] = {
    "sea": ("#0b6e99", "-", "ships' sea legs (around the coast)"),
    "sea-estimated": ("#0b6e99", "--", "ships' sea legs (no passage found: direct line)"),
    "air": ("#6a3d9a", ":", "air legs (direct line)"),
}


def network_map_figure(
    G: TransportGraph,
    *,
    hours: NDArray[np.float64] | None = None,
    points: Mapping[str, tuple[Sequence[float], Sequence[float], str, str]] | None = None,
    routes: Sequence[tuple[NDArray[np.float64], NDArray[np.float64]]] = (),
    extent: Sequence[float] | None = None,
    title: str = "",
    labels: Sequence[tuple[float, float, str]] = (),
    legs: Sequence[tuple[NDArray[np.float64], NDArray[np.float64], str]] = (),
    route_label: str = "routes (along the roads used)",
    keep_labels: int = 0,
) -> Figure:
    """The map as a matplotlib figure (A4 landscape).

    The network is coloured by travel-time band if ``hours`` per node is given; points with
    labels, routes, legend, scale bar, north arrow and the data attribution below the frame.

    Parameters
    ----------
    G
        The network.
    hours
        Per node, a travel time; edges take the band of their slower end.
    points
        Legend label -> ``(lons, lats, marker, colour)`` for sectors, depots, home bases.
    routes
        ``(lon, lat)`` polylines drawn on top (one legend entry, ``route_label``).
    extent
        ``(lon0, lon1, lat0, lat1)``; default: around the points (or the network).
    labels
        ``(lon, lat, text)`` written beside places (sectors, depots, bases).
    legs
        ``(lon, lat, kind)`` legs not on the roads, one legend entry per kind: ``"sea"`` (a
        ship's route around the coast), ``"sea-estimated"`` and ``"air"`` (direct lines).
    keep_labels
        The first this many ``labels`` are always written; later ones only where they overlap
        no other label.
    """
    a, b = _edges(G)
    segs = np.stack([np.column_stack([G.lon[a], G.lat[a]]),
                     np.column_stack([G.lon[b], G.lat[b]])], axis=1)
    if extent is None:
        if points:
            xs = np.concatenate([np.asarray(v[0], float) for v in points.values()])
            ys = np.concatenate([np.asarray(v[1], float) for v in points.values()])
        else:
            xs, ys = G.lon[np.isfinite(G.lon)], G.lat[np.isfinite(G.lat)]
        extent = (float(xs.min()) - 3, float(xs.max()) + 3, float(ys.min()) - 2,
                  float(ys.max()) + 2)
    fig, ax = plt.subplots(figsize=A4_LANDSCAPE)
    _base(ax, extent)
    if hours is not None:
        edge_h = np.maximum(hours[a], hours[b])
        edge_h = np.where(np.isfinite(edge_h), edge_h, BANDS[-1] * 10)
        cmap = ListedColormap(_BAND_COLOURS)
        norm = BoundaryNorm([*BANDS, BANDS[-1] * 100], cmap.N)
        lc = LineCollection(list(segs), array=edge_h, cmap=cmap, norm=norm, linewidth=1.2,
                            zorder=1)
        ax.add_collection(lc)
        cb = fig.colorbar(lc, ax=ax, shrink=0.6, ticks=list(BANDS))
        cb.set_label("hours by road (bands)", fontsize=9)
    else:
        ax.add_collection(LineCollection(list(segs), colors="#777777", linewidth=0.6, zorder=1))
    for k, (lon, lat) in enumerate(routes):
        ax.plot(lon, lat, color="#3b3bb3", linewidth=2.0, alpha=0.7, zorder=2,
                label=route_label if k == 0 else "_nolegend_")
    seen: set[str] = set()
    for lon, lat, kind in legs:
        colour, style, name = _LEG_STYLES.get(kind, ("#6a3d9a", ":", f"{kind} legs"))
        ax.plot(lon, lat, color=colour, linewidth=1.6, linestyle=style, zorder=2,
                label=name if kind not in seen else "_nolegend_")
        seen.add(kind)
    for label, (lons, lats, marker, colour) in (points or {}).items():
        ax.scatter(lons, lats, marker=marker, c=colour, s=70, edgecolors="black",
                   linewidths=0.6, zorder=3, label=label)
    add_labels(ax, list(labels), keep=keep_labels)
    if points or routes or legs:
        ax.legend(loc="lower left", fontsize=9, framealpha=0.9)
    ax.set_title(title, fontsize=12)
    add_scale_bar(ax, (extent[2] + extent[3]) / 2)
    add_north_arrow(ax)
    add_attribution(fig, ax)
    return fig


def plot_network_map(G: TransportGraph, path: str | Path, **kwargs: Any) -> Path:
    """Draw :func:`network_map_figure` to ``path`` (``.svg`` or ``.png``)."""
    out = _check_suffix(path)
    fig = network_map_figure(G, **kwargs)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=150, bbox_inches="tight")
    plt.close(fig)
    return out


def response_map_figure(result: Any, *, max_routes: int = 40,
                        names: Mapping[str, str] | None = None) -> Figure:
    """Map of a response analysis.

    Road time bands from the nearest sector, labelled sectors, depots and home bases, the
    road routes (along the roads each unit uses) of the pre-positioned and self-deploying units,
    and the ships' sea legs (around the coast, as the analysis timed them).

    ``result`` is a :class:`forcegen.readiness.response.ResponseResult`; ``names`` maps sector
    ids to the names written beside them (default: the ids).
    """
    G: TransportGraph = result.graph
    ground = G.restrict(("road", "rail", "sea"))
    snodes = np.array(sorted(set(result.sector_nodes.values())), dtype=np.int64)
    # road time from the nearest sector to every node (the band colouring)
    to_sector = nearest_facility(ground, snodes)[0] if snodes.size else None
    pts: dict[str, tuple[Sequence[float], Sequence[float], str, str]] = {}
    base_labels: list[tuple[float, float, str]] = []
    labels: list[tuple[float, float, str]] = []  # sectors and depots: always labelled first
    # drawn in this order: sectors last so that a home base never hides one
    if result.homes:
        h = list(result.homes.values())
        pts["home bases"] = (G.lon[h].tolist(), G.lat[h].tolist(), "o", "#ffb000")
        at_node: dict[int, list[str]] = {}
        for pid, node in sorted(result.homes.items()):
            at_node.setdefault(int(node), []).append(pid)
        base_labels = [(float(G.lon[n]), float(G.lat[n]),
                        ids[0] + (f" +{len(ids) - 1}" if len(ids) > 1 else ""))
                       for n, ids in sorted(at_node.items())]
    if result.depot_nodes:
        d = list(result.depot_nodes.values())
        pts["depots"] = (G.lon[d].tolist(), G.lat[d].tolist(), "s", "#1f4e9a")
        labels += [(float(G.lon[n]), float(G.lat[n]), f"depot {k}")
                   for k, n in sorted(result.depot_nodes.items())]
    sid = list(result.sector_nodes)
    pts["sectors"] = ([G.lon[result.sector_nodes[s]] for s in sid],
                      [G.lat[result.sector_nodes[s]] for s in sid], "*", "#c00000")
    labels += [(float(G.lon[result.sector_nodes[s]]), float(G.lat[result.sector_nodes[s]]),
                (names or {}).get(s, s)) for s in sid]
    legs = _sea_legs(result)
    if legs:  # ships' home ports, where their sea legs start
        starts = np.array([[lon[0], lat[0]] for lon, lat, _ in legs])
        pts = {"ships' home ports": (starts[:, 0].tolist(), starts[:, 1].tolist(), "^",
                                     "#0b6e99"), **pts}
    routes: list[tuple[NDArray[np.float64], NDArray[np.float64]]] = []
    seen: set[tuple[int, int]] = set()
    for a in result.arrivals:
        if len(routes) >= max_routes:
            break
        if a.via in ("air", "sea"):  # not on the roads
            continue
        start = result.depot_nodes.get(a.via[6:]) if a.via.startswith("depot:") \
            else result.homes.get(a.pledge)
        end = result.sector_nodes.get(a.sector)
        if start is None or end is None or (start, end) in seen or start == end:
            continue
        seen.add((start, end))
        try:
            r = route(ground, int(start), int(end))
        except Exception:  # unreachable pairs are already listed in the result
            continue
        routes.append((r.lon, r.lat))
    return network_map_figure(ground, hours=to_sector, points=pts, routes=routes, legs=legs,
                              labels=labels + base_labels, keep_labels=len(labels),
                              extent=(12.0, 42.0, 42.5, 55.5),
                              title="Response: road time to the nearest sector, routes of "
                                    "sourced units")


def _sea_legs(result: Any) -> list[tuple[NDArray[np.float64], NDArray[np.float64], str]]:
    """Each ship's line to its sector (one per home port and sector), as the analysis sailed it.

    Around the coast where a sea passage was found (``"sea"``), else straight
    (``"sea-estimated"``).
    """
    out: list[tuple[NDArray[np.float64], NDArray[np.float64], str]] = []
    drawn: set[tuple[tuple[float, float], str]] = set()
    for (_, sector), (path, found) in sorted(getattr(result, "sea_paths", {}).items(),
                                             key=lambda kv: kv[0]):
        key = ((float(path[0, 0]), float(path[0, 1])), sector)
        if key in drawn:
            continue
        drawn.add(key)
        out.append((path[:, 0], path[:, 1], "sea" if found else "sea-estimated"))
    return out


def plot_response_map(result: Any, path: str | Path, *, max_routes: int = 40,
                      names: Mapping[str, str] | None = None) -> Path:
    """Draw :func:`response_map_figure` to ``path`` (``.svg`` or ``.png``)."""
    out = _check_suffix(path)
    fig = response_map_figure(result, max_routes=max_routes, names=names)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=150, bbox_inches="tight")
    plt.close(fig)
    return out


def plot_forces_over_time(result: Any, path: str | Path, *, horizon_hours: float | None = None
                          ) -> Path:
    """Step chart of units available in each sector against hours after the decision."""
    out = _check_suffix(path)
    finite = [a.hours for a in result.arrivals if np.isfinite(a.hours)]
    top = horizon_hours or (max(finite) * 1.05 if finite else 24.0)
    t = np.linspace(0.0, top, 600)
    avail = result.available(t)
    fig, ax = plt.subplots(figsize=(10, 5.5))
    for s, units in avail.items():
        ax.step(t / 24.0, units, where="post", label=s)
    ax.set_xlabel("days after the decision to deploy")
    ax.set_ylabel("units in sector")
    ax.set_title("Forces available over time per sector")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=150, bbox_inches="tight")
    plt.close(fig)
    return out
