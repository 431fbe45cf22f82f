"""How a unit moves to its sector: ships sail, units in the theatre drive, others may fly.

* **Ships** (frigates, minehunters, patrol and support vessels) sail: a sea leg from the home
  base to the port nearest the sector, routed around the shipped coastline by
  :func:`forcegen.network.sea.sea_routes` (through the Bosphorus, Dardanelles, Gibraltar and
  the Great Belt), at sea speed plus port handling, then on at sea speed to the sector's point.
  Where the coarse coastline grid finds no passage (a base deep in a loch or fjord), the leg
  falls back to great-circle times the sea route factor (:meth:`Speeds.sea_hours`), and says so.
* **Units already in the theatre** (home base in a country holding a sector, by the shipped
  country shapes) move by road, however far their base is from the modelled network.
* **Others** take the fastest mode their category allows: aircraft and light teams (at most
  :data:`LIGHT_PERSONNEL` personnel a unit) the faster of road and strategic airlift; heavy
  units by road, rail and sea on the network (airlift only when their home base is off the
  network, and then said so).
"""

from __future__ import annotations

import json
import math
from functools import cache
from importlib import resources
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from forcegen.network import Speeds, haversine_km, load_ports
from forcegen.network.sea import SeaRoutes, sea_routes

__all__ = ["COAST_KM", "LIGHT_PERSONNEL", "MAX_PORT_KM", "NM_KM", "SeaPassages", "country_at",
           "movement_class", "theatre_countries"]

#: Units of at most this many personnel each may be flown (teams, platoons, companies' cells).
LIGHT_PERSONNEL = 100
#: A ship reaches a sector only through a port at most this far from the sector's point.
MAX_PORT_KM = 150.0

# Maritime capability codes that are ships (sail), as opposed to dive teams, unmanned systems
# carried by road, and maritime patrol aircraft (MPA, flown).
_SHIP_WORDS = ("VESSEL", "FRIGATE", "CORVETTE", "DESTROYER", "SHIP", "SUBMARINE", "MCM-SUPPORT")

Movement = Literal["sail", "air", "ground"]


def movement_class(capability: Any) -> Movement:
    """How a capability moves: ``"sail"``, ``"air"`` or ``"ground"``.

    ``"sail"`` for ships, ``"air"`` for aircraft and light teams (may be flown), else
    ``"ground"`` (heavy units: road, rail and sea on the network).
    """
    code = str(capability.code).upper()
    if capability.category == "maritime" and any(w in code for w in _SHIP_WORDS):
        return "sail"
    personnel = capability.personnel
    if capability.category == "air" or (personnel is not None and personnel <= LIGHT_PERSONNEL):
        return "air"
    return "ground"


@cache
def _countries() -> tuple[tuple[str, tuple[NDArray[np.float64], ...]], ...]:
    text = resources.files("forcegen.data").joinpath("europe_countries.json").read_text("utf-8")
    out = []
    for f in json.loads(text)["features"]:
        geom = f["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        rings = tuple(np.asarray(p[0], dtype=float) for p in polys)  # outer rings
        out.append((str(f["properties"].get("ISO_A3", "")), rings))
    return tuple(out)


def _inside(ring: NDArray[np.float64], lon: float, lat: float) -> bool:
    """Even-odd ray casting (a home base exactly on a border is a tie either way)."""
    x, y = ring[:, 0], ring[:, 1]
    x2, y2 = np.roll(x, -1), np.roll(y, -1)
    crosses = (y > lat) != (y2 > lat)
    with np.errstate(divide="ignore", invalid="ignore"):
        xs = x + (lat - y) * (x2 - x) / (y2 - y)
    return bool(np.count_nonzero(crosses & (lon < xs)) % 2)


#: A point this close to a country's outline counts as in it: the shipped shapes are coarse,
#: and naval bases and ports sit on the coast, often just outside them.
COAST_KM = 40.0


def country_at(lon: float, lat: float) -> str | None:
    """ISO 3166 alpha-3 code of the shipped country shape holding the point, else ``None``.

    A point just off the coast counts for the nearest country with an outline vertex within
    :data:`COAST_KM`.
    """
    for code, rings in _countries():
        for ring in rings:
            if (ring[:, 0].min() <= lon <= ring[:, 0].max()
                    and ring[:, 1].min() <= lat <= ring[:, 1].max() and _inside(ring, lon, lat)):
                return code
    best, best_km = None, COAST_KM
    for code, rings in _countries():
        for ring in rings:
            km = float(haversine_km(ring[:, 0], ring[:, 1], lon, lat).min())
            if km <= best_km:
                best, best_km = code, km
    return best


def theatre_countries(points: list[tuple[float, float]]) -> set[str]:
    """The countries holding these points (the sectors): the theatre of operations."""
    return {c for c in (country_at(lon, lat) for lon, lat in points) if c}


@cache
def _ports() -> tuple[list[Any], NDArray[np.float64], NDArray[np.float64]]:
    ports = load_ports()
    return ports, np.array([p.lon for p in ports]), np.array([p.lat for p in ports])


NM_KM = 1.852  # kilometres in a nautical mile


def _nearest_port(sector: tuple[float, float]) -> tuple[Any, float] | None:
    """The shipped port nearest the sector and its distance (km), if within MAX_PORT_KM."""
    ports, lon, lat = _ports()
    to_sector = haversine_km(lon, lat, sector[0], sector[1])
    best = int(np.argmin(to_sector))
    return (ports[best], float(to_sector[best])) if to_sector[best] <= MAX_PORT_KM else None


class SeaPassages:
    """Sea legs from ships' home bases to the ports nearest their sectors, around land.

    One sea grid covers every home base and port of the analysis (computed once); its margin
    is half the points' span, between 1 and 8 degrees, room to sail round Iberia or Jutland.
    """

    def __init__(self, homes: list[tuple[float, float]], sectors: list[tuple[float, float]]
                 ) -> None:
        found = (_nearest_port(s) for s in sectors)
        ports = {(float(p.lon), float(p.lat)) for p, _ in (f for f in found if f is not None)}
        points = sorted({(float(h[0]), float(h[1])) for h in homes} | ports)
        self.index = {p: i for i, p in enumerate(points)}
        self.routes: SeaRoutes | None = None
        if homes and ports:
            xy = np.array(points)
            span = float(np.max(np.ptp(xy, axis=0)))
            self.routes = sea_routes(xy, margin=float(np.clip(0.5 * span, 1.0, 8.0)))
        #: (home, port name) legs estimated as great circle x route factor: no passage found.
        self.estimated: set[tuple[tuple[float, float], str]] = set()

    def polyline(self, home: tuple[float, float], sector: tuple[float, float]
                 ) -> tuple[np.ndarray, bool]:
        """The line a ship sails to the sector: ``((n, 2) lon/lat, around the coast?)``.

        Along the sea route from the home base to the port nearest the sector (as
        :meth:`sail` times it), then on to the sector's point. Where :meth:`sail` found no
        passage (or no port) the line is straight and the flag ``False``.
        """
        sec = np.array([[float(sector[0]), float(sector[1])]])
        h = (float(home[0]), float(home[1]))
        found = _nearest_port(sector)
        if found is None:
            return np.vstack([np.array([h]), sec]), False
        port = found[0]
        q = (float(port.lon), float(port.lat))
        if self.routes is None or not math.isfinite(float(
                self.routes.nm[self.index[h], self.index[q]])):
            return np.vstack([np.array([h, q]), sec]), False
        path = self.routes.path(self.index[h], self.index[q])
        return np.vstack([path, sec]), True

    def sail(self, home: tuple[float, float], sector: tuple[float, float],
             speeds: Speeds) -> tuple[float, str]:
        """Hours for a ship from its home base to the sector, and the port it goes through.

        ``(inf, reason)`` when no port lies within :data:`MAX_PORT_KM` of the sector.
        """
        found = _nearest_port(sector)
        if found is None:
            return math.inf, f"no sea port within {MAX_PORT_KM:.0f} km of the sector"
        port, onward_km = found
        h, q = (float(home[0]), float(home[1])), (float(port.lon), float(port.lat))
        km = math.inf
        if self.routes is not None:
            km = float(self.routes.nm[self.index[h], self.index[q]]) * NM_KM
        if math.isfinite(km):
            leg = km / speeds.sea_kmh + speeds.sea_handling_hours
        else:
            self.estimated.add((h, port.name))
            leg = float(speeds.sea_hours(haversine_km(h[0], h[1], q[0], q[1])))
        return leg + onward_km / speeds.sea_kmh, port.name
