"""The road layer of the web map: the scenario's own network, and travel time from the depots.

The network and node tables are the side tables kept from the last import
(``scenarios.stored_files``: ``network.csv`` with ``from,to,hours[,mode]`` and ``nodes.csv``
with ``id,lon,lat``), read from memory, never from a path. Only road arcs are drawn. Each road
node gets the hours by road from the nearest depot site (every site snapped to its nearest road
node; scipy's Dijkstra over all sites at once), and each road is drawn in the travel-time band
of its slower end, which is how a logistician reads "how far is this from a depot".
"""

from __future__ import annotations

import csv
import functools
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree
from sqlalchemy import select
from sqlalchemy.orm import Session

from forcegen.scenario.limits import MAX_TABLE_ROWS
from forcegen.workspace.reference import WorkspaceMeta

__all__ = ["BANDS", "RoadLayer", "road_layer", "stored_roads"]

#: Travel-time bands from the nearest depot: (upper bound in hours, legend text).
BANDS: tuple[tuple[float, str], ...] = (
    (4.0, "up to 4 h"),
    (8.0, "4–8 h"),
    (16.0, "8–16 h"),
    (math.inf, "over 16 h"),
)
#: A depot farther than this from every road node (degrees, about 55 km) is not snapped.
_SNAP_DEGREES = 0.5


@dataclass(frozen=True)
class RoadLayer:
    """Road nodes and arcs with their travel-time band (``-1``: no depot reaches them)."""

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    src: NDArray[np.int64]
    dst: NDArray[np.int64]
    band: NDArray[np.int64]
    depots_snapped: int


def _rows(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    out: list[dict[str, str]] = []
    for row in reader:
        if len(out) >= MAX_TABLE_ROWS:
            break
        out.append({str(k).strip(): (v or "").strip() for k, v in row.items() if k})
    return out


def _number(text: str, lo: float, hi: float) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and lo <= value <= hi else None


def _nodes(text: str) -> tuple[dict[str, int], list[float], list[float]]:
    index: dict[str, int] = {}
    lon: list[float] = []
    lat: list[float] = []
    for row in _rows(text):
        x, y = _number(row.get("lon", ""), -180, 180), _number(row.get("lat", ""), -90, 90)
        nid = row.get("id", "")
        if nid and nid not in index and x is not None and y is not None:
            index[nid] = len(lon)
            lon.append(x)
            lat.append(y)
    return index, lon, lat


def road_layer(
    network: str | None, nodes: str | None, depots: Sequence[tuple[float, float]]
) -> RoadLayer | None:
    """The drawable road network of the stored tables, or ``None`` if there is none.

    Rows that are not usable (unknown node, bad number, another mode) are skipped: the tables
    were checked when imported, and the map must not fail on what a run would report.
    """
    if not network or not nodes:
        return None
    index, lon_l, lat_l = _nodes(nodes)
    src: list[int] = []
    dst: list[int] = []
    hours: list[float] = []
    for row in _rows(network):
        if (row.get("mode") or "road").lower() != "road":
            continue
        a, b = index.get(row.get("from", "")), index.get(row.get("to", ""))
        h = _number(row.get("hours", ""), 0, 1e6)
        if a is not None and b is not None and h is not None and a != b:
            src.append(a)
            dst.append(b)
            hours.append(h)
    if not src:
        return None
    lon, lat = np.asarray(lon_l), np.asarray(lat_l)
    s, d, w = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64), np.asarray(hours)
    reach, snapped = _hours_from_depots(lon, lat, s, d, w, depots)
    slower = np.maximum(reach[s], reach[d])
    limits = np.array([b for b, _ in BANDS[:-1]])
    band = np.where(np.isfinite(slower), np.searchsorted(limits, slower, side="left"), -1)
    return RoadLayer(lon, lat, s, d, band.astype(np.int64), snapped)


def _hours_from_depots(
    lon: NDArray[np.float64], lat: NDArray[np.float64], s: NDArray[np.int64],
    d: NDArray[np.int64], w: NDArray[np.float64], depots: Sequence[tuple[float, float]],
) -> tuple[NDArray[np.float64], int]:
    """Hours by road from the nearest depot to every node (``inf`` where none reaches)."""
    n = len(lon)
    if not depots:
        return np.full(n, np.inf), 0
    k = math.cos(math.radians(float(np.mean(lat))))
    tree = cKDTree(np.column_stack([lon * k, lat]))
    at = np.array([(x * k, y) for x, y in depots])
    dist, nearest = tree.query(at)
    sources = sorted({int(i) for i, r in zip(nearest, dist, strict=True) if r <= _SNAP_DEGREES})
    if not sources:
        return np.full(n, np.inf), 0
    # Roads carry traffic both ways unless the table says otherwise; the map is for reading
    # distances, so both directions are used. A zero-hour arc is stored as a tiny weight
    # (csgraph drops explicit zeros).
    # A pair of nodes joined twice keeps its faster arc (a sparse matrix would add the two).
    order = np.lexsort((w, d, s))
    s, d, w = s[order], d[order], w[order]
    first = np.ones(len(s), dtype=bool)
    first[1:] = (s[1:] != s[:-1]) | (d[1:] != d[:-1])
    graph = sp.csr_matrix((np.maximum(w[first], 1e-9), (s[first], d[first])), shape=(n, n))
    reach = dijkstra(graph, directed=False, indices=sources, min_only=True)
    return np.asarray(reach, dtype=float), len(sources)


def stored_roads(db: Session, depots: Sequence[tuple[float, float]]) -> RoadLayer | None:
    """The road layer of the workspace's stored network and node tables (``None``: none)."""
    meta = {m.key: m.value for m in db.scalars(
        select(WorkspaceMeta).where(WorkspaceMeta.key.in_(("network", "nodes", "files"))))}
    files = meta.get("files") if isinstance(meta.get("files"), dict) else {}
    assert isinstance(files, dict)
    network, nodes = meta.get("network"), meta.get("nodes")
    if not isinstance(network, str) or not isinstance(nodes, str):
        return None
    net_text, node_text = files.get(network), files.get(nodes)
    if not isinstance(net_text, str) or not isinstance(node_text, str):
        return None
    return _cached(net_text, node_text, tuple(depots))


@functools.lru_cache(maxsize=4)
def _cached(network: str, nodes: str, depots: tuple[tuple[float, float], ...]) -> RoadLayer | None:
    # The tables change only on import: the layer of the current ones is kept (a few ms of
    # parsing and Dijkstra saved per map view). The arrays are never changed once built.
    return road_layer(network, nodes, depots)
