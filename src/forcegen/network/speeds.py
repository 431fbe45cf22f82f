"""Planning speeds: how lengths become hours, by mode and road class.

The numbers are planning assumptions for military movement, not traffic forecasts. They are kept
in one frozen :class:`Speeds` object so a planning cell can change them in one place and every
analysis (network loading, air legs, response times) uses the same values.

Road
    Convoy *march* speeds, i.e. average speeds over a day's move including short halts, for
    wheeled and tracked equipment carried on heavy equipment transporters. Motorways 60 km/h,
    trunk and primary roads 50 km/h, secondary 40 km/h, anything else 30 km/h. Main-road graphs
    without a class (ETISplus, E-roads) use ``"main"`` = 55 km/h.
Great-circle lengths
    Where only the straight line between two towns is known, the road length is taken as
    ``ROAD_FACTOR`` = 1.25 times it (the ETISplus main roads have a median ratio of 1.08 and a
    90th percentile of 1.28; E-road legs between towns wind more than motorways).
Border crossings
    ``border_hours`` = 2 h per crossing for a military convoy (documents, escort hand-over), even
    inside Schengen, because movement credits and host-nation escorts change at the border.
Rail
    40 km/h average including marshalling, plus 12 h loading and unloading per leg.
Air
    Strategic airlift (A400M, C-17, C-130J mix) at ``air_kmh`` = 700 km/h block speed over the
    great-circle length times 1.05 (airways are not straight), plus ``air_handling_hours`` = 4 h
    for loading, taxi and unloading.
Sea
    Ro-ro shipping at 15 knots (27.8 km/h) over the great-circle length times 1.3 (coasts and
    traffic separation), plus 24 h port handling at both ends together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["DEFAULT_SPEEDS", "MODES", "ROAD_FACTOR", "Speeds"]

#: Transport modes known to the network tables (``network.csv`` column ``mode``).
MODES: Final[tuple[str, ...]] = ("road", "rail", "air", "sea")

#: Road length / great-circle length where only the straight line is known.
ROAD_FACTOR: Final[float] = 1.25

_ROAD_KMH = MappingProxyType(
    {
        "motorway": 60.0,
        "trunk": 50.0,
        "primary": 50.0,
        "main": 55.0,
        "secondary": 40.0,
        "tertiary": 30.0,
        "other": 30.0,
    }
)


@dataclass(frozen=True)
class Speeds:
    """Planning speeds and fixed times (see the module text for the reasoning).

    Examples
    --------
    >>> s = Speeds()
    >>> float(s.road_hours(110.0, "main"))
    2.0
    >>> round(float(s.air_hours(1400.0)), 2)  # flight of 1,400 km great-circle + handling
    6.1
    """

    road_kmh: MappingProxyType[str, float] = field(default_factory=lambda: _ROAD_KMH)
    road_factor: float = ROAD_FACTOR
    border_hours: float = 2.0
    rail_kmh: float = 40.0
    rail_handling_hours: float = 12.0
    air_kmh: float = 700.0
    air_route_factor: float = 1.05
    air_handling_hours: float = 4.0
    sea_kmh: float = 27.8
    sea_route_factor: float = 1.3
    sea_handling_hours: float = 24.0

    def kmh(self, mode: str, road_class: str | None = None) -> float:
        """Speed in km/h for a mode (and road class for roads; unknown classes use ``other``)."""
        if mode == "road":
            cls = road_class or "main"
            return float(self.road_kmh.get(cls, self.road_kmh["other"]))
        if mode == "rail":
            return self.rail_kmh
        if mode == "air":
            return self.air_kmh
        if mode == "sea":
            return self.sea_kmh
        raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")

    def road_hours(self, road_km: ArrayLike, road_class: str | None = None) -> NDArray[np.float64]:
        """Driving hours for a road length in km (no border delay)."""
        return np.asarray(road_km, dtype=float) / self.kmh("road", road_class)

    def road_hours_from_greatcircle(
        self, gc_km: ArrayLike, road_class: str | None = None
    ) -> NDArray[np.float64]:
        """Driving hours when only the straight-line length is known (times ``road_factor``)."""
        return self.road_hours(np.asarray(gc_km, dtype=float) * self.road_factor, road_class)

    def rail_hours(self, rail_km: ArrayLike) -> NDArray[np.float64]:
        """Rail leg: length / speed plus loading and unloading."""
        return np.asarray(rail_km, dtype=float) / self.rail_kmh + self.rail_handling_hours

    def air_hours(self, gc_km: ArrayLike) -> NDArray[np.float64]:
        """Air leg between two airfields: flight time at block speed plus handling."""
        km = np.asarray(gc_km, dtype=float) * self.air_route_factor
        return km / self.air_kmh + self.air_handling_hours

    def sea_hours(self, gc_km: ArrayLike) -> NDArray[np.float64]:
        """Sea leg between two ports: sailing time plus port handling."""
        km = np.asarray(gc_km, dtype=float) * self.sea_route_factor
        return km / self.sea_kmh + self.sea_handling_hours


#: The defaults used when nothing else is given.
DEFAULT_SPEEDS: Final[Speeds] = Speeds()
