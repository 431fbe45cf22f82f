"""The patrol file: areas, vessels, ports and legs, as validated pydantic records.

Names follow the "Maritime patrol" section of ``docs/scenario.md`` (the contract). Unknown keys
are an error except ``x-...`` extension keys, as in the scenario model.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from forcegen.scenario.models import Identifier, LonLat, NonNegFloat, _Strict

__all__ = ["Area", "PatrolData", "Port", "Search", "SearchCell", "Vessel"]

PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
#: A point is named by id (a port, an area or an id used in the legs table) or given as lon/lat.
PointRef = Identifier | LonLat


class Area(_Strict):
    """An area to patrol: where it is, its value and the hours on station it needs."""

    id: Identifier
    at: LonLat | None = None
    value: NonNegFloat
    hours: NonNegFloat = 0.0
    #: Hours since the patrol starts between which a vessel may arrive on station (it may wait).
    window: tuple[NonNegFloat, NonNegFloat] | None = None
    #: Zone the area lies in (an EEZ, say); nation caveats name zones.
    zone: Identifier | None = None
    #: Group the value is reported under (defaults to the zone).
    group: Identifier | None = None

    @model_validator(mode="after")
    def _window_order(self) -> Area:
        if self.window is not None and self.window[0] > self.window[1]:
            raise ValueError(f"window {list(self.window)}: opens after it closes")
        return self


class Port(_Strict):
    """A port vessels start or end at."""

    id: Identifier
    at: LonLat
    name: str | None = None


class Vessel(_Strict):
    """A vessel: its nation, start and end, endurance (hours), speed (knots) and caveats."""

    id: Identifier
    nation: Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3")]
    start: PointRef
    end: PointRef
    endurance: NonNegFloat
    speed: PositiveFloat | None = None
    #: Nation caveat: the vessel may only patrol areas in these zones (absent = anywhere).
    zones: list[Identifier] | None = None
    name: str | None = None
    #: Days of daily sorties: one route a day, leaving at 24 h x day, back by its endurance.
    days: Annotated[int, Field(ge=1, le=366)] = 1


class SearchCell(_Strict):
    """One cell of a search grid and the probability that the object is in it."""

    id: Identifier
    at: LonLat
    #: Probability that the object is in this cell (probability of containment).
    probability: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
    #: Square nautical miles (default: from the search's ``cell_size``).
    area: PositiveFloat | None = None


class Search(_Strict):
    """A search for an object (a drifting vessel, a mine) over a grid of cells."""

    #: A CSV table beside the file (columns id,lon,lat,probability[,area]), an ESRI ASCII grid
    #: of drift weights (``.asc``), or the cells inline.
    cells: str | list[SearchCell]
    sweep_width: PositiveFloat  # nautical miles
    speed: PositiveFloat  # knots while searching
    hours: PositiveFloat  # hours a visit searches its cell
    #: Cell side in degrees, for cells without an ``area``.
    cell_size: PositiveFloat | None = None
    zone: Identifier | None = None
    #: With a raster (``cells: drift.asc``): the probability that the object is in it at all,
    #: shared among the cells in proportion to their weights.
    containment: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 1.0


class PatrolData(_Strict):
    """The ``patrol:`` section of a file: legs table, routing, ports, areas, vessels, search."""

    legs: str | None = None
    #: Legs not in the table: ``sea`` (around land over a coarse sea grid, the default) or
    #: ``great-circle`` (straight, over land too).
    routing: Literal["sea", "great-circle"] = "sea"
    #: Sea grid cell size in degrees (default: about 1/300 of the area covered, 0.02-0.5).
    grid: Annotated[float, Field(ge=0.01, le=2.0)] | None = None
    ports: list[Port] = Field(default_factory=list)
    areas: list[Area] = Field(default_factory=list)
    vessels: list[Vessel]
    search: Search | None = None
