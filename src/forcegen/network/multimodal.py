"""Air and sea legs: shipped airfields and ports, and adding an air layer to a road network.

Airfields and ports ship in ``forcegen/data/`` (Natural Earth and the ``airportsdata`` package;
see ``ATTRIBUTION.md``) so nothing is fetched at run time.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np

from forcegen.network._geo import haversine_km
from forcegen.network._graph import TransportGraph
from forcegen.network.speeds import DEFAULT_SPEEDS, Speeds

__all__ = ["Airfield", "Port", "add_air_links", "load_airfields", "load_ports"]


@dataclass(frozen=True)
class Airfield:
    """An airfield usable for strategic airlift.

    ``open`` is false where the airspace is closed (Ukraine, Russia, Belarus at the time the data
    was built); such airfields are kept so a planner can reopen them in a what-if.
    """

    icao: str
    name: str
    country: str
    lon: float
    lat: float
    kind: str
    open: bool


@dataclass(frozen=True)
class Port:
    """A sea port (Natural Earth)."""

    name: str
    lon: float
    lat: float


def load_airfields(*, only_open: bool = True) -> list[Airfield]:
    """The shipped European airfields (``forcegen/data/airfields.csv``).

    Examples
    --------
    >>> rze = [a for a in load_airfields() if a.icao == "EPRZ"][0]
    >>> rze.country, rze.open
    ('PL', True)
    """
    text = resources.files("forcegen.data").joinpath("airfields.csv").read_text("utf-8")
    out = [
        Airfield(r["icao"], r["name"], r["country"], float(r["lon"]), float(r["lat"]), r["kind"],
                 r["open"] == "true")
        for r in csv.DictReader(text.splitlines())
    ]
    return [a for a in out if a.open] if only_open else out


def load_ports() -> list[Port]:
    """The shipped European sea ports (``forcegen/data/ports.csv``)."""
    text = resources.files("forcegen.data").joinpath("ports.csv").read_text("utf-8")
    return [Port(r["name"], float(r["lon"]), float(r["lat"]))
            for r in csv.DictReader(text.splitlines())]


def add_air_links(
    G: TransportGraph,
    airfields: Sequence[Airfield] | None = None,
    *,
    speeds: Speeds = DEFAULT_SPEEDS,
    max_access_km: float = 60.0,
    access_modes: Iterable[str] = ("road",),
) -> tuple[TransportGraph, list[Airfield]]:
    """Add airfields as nodes ``air:<ICAO>``, road access arcs and an all-pairs air layer.

    Each airfield is joined to its nearest node of ``access_modes`` (hours from the great-circle
    length times the road factor); airfields farther than ``max_access_km`` from any such node
    are left out and returned, so the caller can report them. Air arcs join every pair of the
    added airfields with :meth:`Speeds.air_hours` (flight time plus loading time).

    Parameters
    ----------
    G
        The ground network (it needs node coordinates).
    airfields
        The airfields to add (default: the shipped open ones, :func:`load_airfields`).
    speeds
        Road factor and speeds, and the air speed and loading time.
    max_access_km
        Airfields farther than this from every node of ``access_modes`` are left out.
    access_modes
        The modes whose nodes an airfield may be joined to.

    Returns
    -------
    graph : TransportGraph
        A new graph (the input is unchanged).
    skipped : list of Airfield
        Airfields too far from the network.
    """
    fields = list(load_airfields() if airfields is None else airfields)
    if not fields:
        return G, []
    lon = np.array([a.lon for a in fields])
    lat = np.array([a.lat for a in fields])
    near, dist = G.nearest_nodes(lon, lat, modes=access_modes)
    ok = dist <= max_access_km
    skipped = [a for a, good in zip(fields, ok, strict=True) if not good]
    kept = [a for a, good in zip(fields, ok, strict=True) if good]
    existing = set(G.index)
    kept = [a for a in kept if f"air:{a.icao}" not in existing]
    if not kept:
        return G, skipped
    sel = np.array([f"air:{a.icao}" not in existing for a in fields]) & ok
    k = len(kept)
    new = G.n_nodes + np.arange(k)
    road = near[sel]
    access_h = speeds.road_hours_from_greatcircle(dist[sel])
    ii, jj = np.nonzero(~np.eye(k, dtype=bool))
    air_km = haversine_km(lon[sel][ii], lat[sel][ii], lon[sel][jj], lat[sel][jj])
    g2 = G.with_arcs(np.r_[new, road], np.r_[road, new], np.r_[access_h, access_h], "road",
                     km=np.r_[dist[sel], dist[sel]] * speeds.road_factor,
                     new_ids=[f"air:{a.icao}" for a in kept], new_lon=lon[sel], new_lat=lat[sel])
    g3 = g2.with_arcs(new[ii], new[jj], speeds.air_hours(air_km), "air",
                      km=air_km * speeds.air_route_factor)
    return g3, skipped
