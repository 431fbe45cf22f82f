"""The ``relief:`` section of a scenario, as validated pydantic records.

Names follow the "Relief" section of ``docs/scenario.md`` (the contract). Unknown keys are an
error except ``x-...`` extension keys, as in the scenario model. References (events, nations,
capabilities, airfields, ports) are checked by :mod:`forcegen.relief.loader`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, get_args

from pydantic import Field, model_validator

from forcegen.scenario.models import (
    Identifier,
    LonLat,
    Money,
    Name,
    NationCode,
    Priority,
    Quantity,
    _Strict,
)

__all__ = ["MODES", "OFFER_STATUSES", "Event", "Facility", "Item", "Offer", "OfferStatus",
           "ReliefData", "Request", "Settings", "StatusStep"]

OfferStatus = Literal["offered", "committed", "in-transit", "delivered", "released"]
OFFER_STATUSES: tuple[OfferStatus, ...] = get_args(OfferStatus)
Mode = Literal["air", "sea"]
MODES: tuple[Mode, ...] = get_args(Mode)

#: Hours of notice, needed-by or travel: at most a year (a relief plan beyond that is not one).
Hours = Annotated[float, Field(ge=0, le=8760, allow_inf_nan=False)]
Speed = Annotated[float, Field(gt=0, le=2000, allow_inf_nan=False)]
Km = Annotated[float, Field(gt=0, le=5000, allow_inf_nan=False)]


class Event(_Strict):
    """A disaster the requests answer; hours count from its start."""

    id: Identifier
    name: Name | None = None
    at: LonLat | None = None
    #: Day (or moment) the event struck; needed-by hours and arrivals count from here.
    started: dt.date | dt.datetime | None = None


class Item(_Strict):
    """A relief item that is not a military capability (water purification unit, shelter kit)."""

    id: Identifier
    name: Name | None = None
    #: What one unit of quantity is ("unit", "kit", "pallet").
    unit: Name = "unit"


class Request(_Strict):
    """What an affected government or agency asks for, where and by when."""

    id: Identifier
    event: Identifier
    #: A capability code of the catalog or the id of a relief item.
    capability: Identifier
    quantity: Quantity
    at: LonLat
    #: Name of the place asked for (free text, shown in tables).
    place: Name | None = None
    #: Hours after the event started by which the help is needed.
    by_hours: Hours
    priority: Priority = 1
    name: Name | None = None


class StatusStep(_Strict):
    """One recorded change of an offer's status."""

    status: OfferStatus
    at: dt.datetime | dt.date | None = None
    by: Name | None = None


class Offer(_Strict):
    """What a nation offers, from where, at what notice and by which mode."""

    id: Identifier
    nation: NationCode
    capability: Identifier
    quantity: Quantity
    home: LonLat
    notice_hours: Hours = 0.0
    #: ``air`` (fly from the airfield nearest home to the one nearest the request) or ``sea``
    #: (sail from the port nearest home to the one nearest the request, round land).
    mode: Mode = "air"
    #: Knots at sea or km/h in the air (default: the settings' speed for the mode).
    speed: Speed | None = None
    cost: Money = 0.0  # per unit delivered
    status: OfferStatus = "offered"
    #: The request a committed, in-transit or delivered offer is held for.
    request: Identifier | None = None
    history: Annotated[list[StatusStep], Field(max_length=50)] | None = None
    name: Name | None = None

    @model_validator(mode="after")
    def _moving_needs_request(self) -> Offer:
        if self.status in ("in-transit", "delivered") and self.request is None:
            raise ValueError(f"an offer {self.status} must name the request it serves "
                             "(`request`)")
        return self


class Facility(_Strict):
    """An airfield or a port the relief may use."""

    id: Identifier
    at: LonLat
    name: Name | None = None
    open: bool = True


class Settings(_Strict):
    """Planning speeds and reach of the transport legs."""

    air_speed: Speed = 650.0  # km/h block speed of a transport aircraft
    sea_speed: Speed = 14.0  # knots
    ground_speed: Speed = 30.0  # km/h on damaged roads
    #: Hours to load and unload at each end of a flight or a sailing.
    handling_hours: Hours = 2.0
    #: A place farther than this from every open airfield (port) cannot be reached by air (sea).
    reach_km: Km = 100.0
    #: Whether help that arrives after its needed-by hour still counts (after all help in time).
    late: bool = True


class ReliefData(_Strict):
    """The whole ``relief:`` section."""

    events: Annotated[list[Event], Field(min_length=1, max_length=1000)]
    items: Annotated[list[Item], Field(max_length=10_000)] = Field(default_factory=list)
    requests: Annotated[list[Request], Field(max_length=100_000)] = Field(default_factory=list)
    offers: Annotated[list[Offer], Field(max_length=1_000_000)] = Field(default_factory=list)
    #: Airfields and ports (default: the ones shipped in ``forcegen/data``).
    airfields: Annotated[list[Facility], Field(max_length=100_000)] | None = None
    ports: Annotated[list[Facility], Field(max_length=100_000)] | None = None
    settings: Settings = Field(default_factory=Settings)
    #: Sea grid cell size in degrees for sea legs (default: about 1/300 of the area covered).
    grid: Annotated[float, Field(ge=0.01, le=2.0)] | None = None

