"""Read transport networks: the scenario's CSV tables and GeoJSON line networks.

Every error names the file, the line (CSV) or feature (GeoJSON) and the field, and says what was
expected, so the table can be fixed without reading code. Nothing is half-loaded.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from forcegen.exceptions import NetworkInputError
from forcegen.network._geo import haversine_km, unit_vectors
from forcegen.network._graph import TransportGraph
from forcegen.network.speeds import DEFAULT_SPEEDS, MODES, Speeds

__all__ = ["load_geojson", "load_network", "read_nodes"]

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


def _err(path: Path, line: int | None, field: str | None, msg: str) -> NetworkInputError:
    where = path.name + (f":{line}" if line is not None else "") + (f" [{field}]" if field else "")
    return NetworkInputError(f"{where}: {msg}")


def _rows(path: Path, required: tuple[str, ...], optional: tuple[str, ...]
          ) -> Iterator[tuple[int, dict[str, str]]]:
    """CSV rows with their 1-based file line, after checking the header."""
    if not path.is_file():
        raise _err(path, None, None, f"file not found ({path})")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in required if c not in header]
        if missing:
            raise _err(path, 1, missing[0],
                       f"missing column {missing[0]!r}; expected columns "
                       f"{','.join(required)}[,{'][,'.join(optional)}]")
        unknown = [h for h in header if h not in required + optional and not h.startswith("x-")]
        if unknown:
            raise _err(path, 1, unknown[0], f"unknown column {unknown[0]!r}; expected "
                       f"{', '.join(required + optional)} (or an x-... column)")
        reader.fieldnames = header
        for row in reader:
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}


def _number(path: Path, line: int, field: str, text: str, *, minimum: float | None = None,
            lo: float = -math.inf, hi: float = math.inf) -> float:
    try:
        val = float(text)
    except ValueError:
        raise _err(path, line, field, f"expected a number, got {text!r}") from None
    if not math.isfinite(val):
        raise _err(path, line, field, f"expected a finite number, got {text!r}")
    if minimum is not None and val < minimum:
        raise _err(path, line, field, f"must be >= {minimum:g}, got {text}")
    if not lo <= val <= hi:
        raise _err(path, line, field, f"must be between {lo:g} and {hi:g}, got {text}")
    return val


def read_nodes(path: str | Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Read ``nodes.csv`` (``id,lon,lat``): ids, lon and lat arrays."""
    p = Path(path)
    ids: list[str] = []
    lon: list[float] = []
    lat: list[float] = []
    seen: dict[str, int] = {}
    for line, row in _rows(p, ("id", "lon", "lat"), ("name",)):
        nid = row["id"]
        if not nid:
            raise _err(p, line, "id", "empty node id")
        if nid in seen:
            raise _err(p, line, "id", f"duplicate node id {nid!r} (first on line {seen[nid]})")
        seen[nid] = line
        ids.append(nid)
        lon.append(_number(p, line, "lon", row["lon"], lo=-180, hi=180))
        lat.append(_number(p, line, "lat", row["lat"], lo=-90, hi=90))
    return ids, np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def load_network(network: str | Path, nodes: str | Path | None = None) -> TransportGraph:
    r"""Load ``network.csv`` (``from,to,hours[,mode][,oneway][,km]``) and ``nodes.csv``.

    Without ``nodes`` the node ids come from the edge table and have no coordinates (they can
    then only be referred to by id, not snapped to).

    Parameters
    ----------
    network
        The edge table: one arc per row (both directions unless ``oneway``).
    nodes
        The node table (``id,lon,lat``), or None.

    Returns
    -------
    TransportGraph
        The network as sparse arrays, ready for shortest paths.

    Raises
    ------
    NetworkInputError
        Naming file, line and field: bad numbers, negative hours, unknown modes, unknown node ids.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "nodes.csv").write_text("id,lon,lat\nA,20,50\nB,21,50\n")
    >>> _ = (d / "network.csv").write_text("from,to,hours,mode\nA,B,-1,road\n")
    >>> load_network(d / "network.csv", d / "nodes.csv")
    Traceback (most recent call last):
    ...
    forcegen.exceptions.NetworkInputError: network.csv:2 [hours]: must be >= 0, got -1
    """
    p = Path(network)
    if nodes is not None:
        ids, lon, lat = read_nodes(nodes)
        known = {k: i for i, k in enumerate(ids)}
    else:
        ids, known = [], {}
    src: list[int] = []
    dst: list[int] = []
    hours: list[float] = []
    modes: list[str] = []
    oneway: list[bool] = []
    km: list[float] = []
    for line, row in _rows(p, ("from", "to", "hours"), ("mode", "oneway", "km")):
        ends = []
        for field in ("from", "to"):
            nid = row[field]
            if nid not in known:
                if nodes is not None:
                    raise _err(p, line, field, f"unknown node id {nid!r} (not in "
                               f"{Path(nodes).name})")
                if not nid:
                    raise _err(p, line, field, "empty node id")
                known[nid] = len(ids)
                ids.append(nid)
            ends.append(known[nid])
        src.append(ends[0])
        dst.append(ends[1])
        hours.append(_number(p, line, "hours", row["hours"], minimum=0))
        mode = (row.get("mode") or "road").lower()
        if mode not in MODES:
            raise _err(p, line, "mode", f"unknown mode {mode!r}; expected one of "
                       f"{', '.join(MODES)}")
        modes.append(mode)
        ow = (row.get("oneway") or "").lower()
        if ow not in _TRUE | _FALSE:
            raise _err(p, line, "oneway", f"expected true or false, got {row.get('oneway')!r}")
        oneway.append(ow in _TRUE)
        km.append(_number(p, line, "km", row["km"], minimum=0) if row.get("km") else math.nan)
    if nodes is None:
        lon = np.full(len(ids), np.nan)
        lat = np.full(len(ids), np.nan)
    return TransportGraph.from_edges(
        ids, lon, lat, np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64),
        np.asarray(hours), mode=np.asarray(modes, dtype=np.str_), oneway=np.asarray(oneway),
        km=None if all(math.isnan(k) for k in km) else np.asarray(km),
    )


def _lines(path: Path, feature: dict[str, Any], i: int) -> list[np.ndarray]:
    geom = feature.get("geometry") or {}
    kind = geom.get("type")
    coords = geom.get("coordinates")
    parts = [coords] if kind == "LineString" else coords if kind == "MultiLineString" else None
    if parts is None:
        raise _err(path, None, f"features[{i}].geometry",
                   f"expected a LineString or MultiLineString, got {kind!r}")
    out = []
    for part in parts:
        try:
            arr = np.asarray(part, dtype=float)[:, :2]
        except (TypeError, ValueError, IndexError):
            raise _err(path, None, f"features[{i}].geometry.coordinates",
                       "expected a list of [lon, lat] positions") from None
        if arr.shape[0] < 2 or not np.isfinite(arr).all():
            raise _err(path, None, f"features[{i}].geometry.coordinates",
                       "a line needs at least two finite [lon, lat] positions")
        out.append(arr)
    return out


def load_geojson(
    path: str | Path,
    *,
    snap_m: float = 50.0,
    mode: str = "road",
    speeds: Speeds = DEFAULT_SPEEDS,
) -> TransportGraph:
    """Load a GeoJSON FeatureCollection of LineStrings (roads, railways) as a network.

    Line ends closer than ``snap_m`` metres are merged into one node, so lines digitized
    separately join up. Each line becomes one edge whose length is the sum of its segments.

    Feature properties used (all optional):

    - ``mode``: road, rail, air, sea (default: the ``mode`` argument);
    - ``class`` (or ``highway``, ``road_class``): motorway, trunk, primary, secondary, ...;
      sets the road speed from ``speeds``;
    - ``hours``: an explicit travel time, used instead of length / speed;
    - ``oneway``: ``true`` for one-way lines (in the drawing direction).

    Node ids are ``n0``, ``n1``, ... in order of first appearance.

    Parameters
    ----------
    path
        The GeoJSON file.
    snap_m
        Line ends closer than this (metres) become one node.
    mode
        The mode of lines whose properties give none.
    speeds
        Speeds by mode and road class (hours from length where a line gives no ``hours``).

    Returns
    -------
    TransportGraph
        The network, with node coordinates.

    Raises
    ------
    NetworkInputError
        Naming the feature and property: not a FeatureCollection, bad geometry or properties.
    """
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _err(p, None, None, f"file not found ({p})") from None
    except json.JSONDecodeError as exc:
        raise _err(p, exc.lineno, None, f"not valid JSON: {exc.msg}") from None
    feats = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(feats, list):
        raise _err(p, None, "features", "expected a GeoJSON FeatureCollection")
    ends: list[np.ndarray] = []
    hours: list[float] = []
    modes: list[str] = []
    oneway: list[bool] = []
    km: list[float] = []
    for i, f in enumerate(feats):
        props = (f.get("properties") or {}) if isinstance(f, dict) else {}
        fmode = str(props.get("mode") or mode).lower()
        if fmode not in MODES:
            raise _err(p, None, f"features[{i}].properties.mode",
                       f"unknown mode {fmode!r}; expected one of {', '.join(MODES)}")
        cls = props.get("class") or props.get("highway") or props.get("road_class")
        for line in _lines(p, f, i):
            length = float(haversine_km(line[:-1, 0], line[:-1, 1], line[1:, 0],
                                        line[1:, 1]).sum())
            if props.get("hours") is not None:
                try:
                    h = float(props["hours"])
                except (TypeError, ValueError):
                    h = math.nan
                if not (math.isfinite(h) and h >= 0):
                    raise _err(p, None, f"features[{i}].properties.hours",
                               f"expected a number >= 0, got {props['hours']!r}")
            else:
                h = length / speeds.kmh(fmode, None if cls is None else str(cls).lower())
            ends.append(line[[0, -1]])
            hours.append(h)
            modes.append(fmode)
            oneway.append(str(props.get("oneway", "false")).lower() in _TRUE)
            km.append(length)
    if not ends:
        raise _err(p, None, "features", "no LineString features")
    pts = np.concatenate(ends)
    # Merge end points within the tolerance: pairs from a k-d tree, clusters as components.
    xyz = unit_vectors(pts[:, 0], pts[:, 1])
    chord = snap_m / 1000.0 / 6371.0088
    pairs = cKDTree(xyz).query_pairs(chord, output_type="ndarray")
    m = pts.shape[0]
    adj = sp.coo_array((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(m, m))
    _, label = connected_components(adj, directed=False)
    # Renumber clusters in order of first appearance; a node sits at its first member.
    _, first, inv = np.unique(label, return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first))
    node_of_pt = rank[inv]
    order = np.sort(first)
    ids = [f"n{k}" for k in range(order.size)]
    return TransportGraph.from_edges(
        ids, pts[order, 0], pts[order, 1], node_of_pt[0::2], node_of_pt[1::2], np.asarray(hours),
        mode=np.asarray(modes, dtype=np.str_), oneway=np.asarray(oneway), km=np.asarray(km),
    )
