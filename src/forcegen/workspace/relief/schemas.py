"""API shapes of relief events, requests, offers, status changes, imports and the dashboard.

Field bounds are the core's (``forcegen.relief.models``, ``forcegen.scenario.models``): a
record the workspace accepts is one the relief reader accepts too.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from forcegen.relief.models import Facility, Hours, Mode, OfferStatus, Settings, Speed
from forcegen.workspace.labels import (
    ClassificationRead,
    LabelIn,
    LabelRead,
    Level,
    ReleasableRead,
    ReleasableTo,
)
from forcegen.workspace.types import (
    Count,
    Identifier,
    LonLat,
    Money,
    Name,
    NationCode,
    Priority,
    Text,
)

__all__ = [
    "EventCreate",
    "EventRead",
    "EventUpdate",
    "ItemIn",
    "OfferCreate",
    "OfferRead",
    "OfferStatusChange",
    "OfferUpdate",
    "RequestCreate",
    "RequestRead",
    "RequestUpdate",
    "StepRead",
]

Version = Annotated[int, Field(ge=1, le=2**31 - 1)]


class _Labels(BaseModel):
    """The label fields every relief record takes (as pledges and requirements do)."""

    model_config = ConfigDict(extra="forbid")

    classification: Level = "UNCLASSIFIED"
    #: Nations it may be released to; absent: the whole coalition.
    releasable_to: ReleasableTo = None
    #: The full label (STANAG 4774 JSON form) instead of the two fields above.
    label: LabelIn = None


class _Stamped(BaseModel):
    """What every stored relief record reports: version, who and when, its label."""

    model_config = ConfigDict(from_attributes=True)

    version: int
    created_at: dt.datetime
    created_by: str | None = None
    updated_at: dt.datetime
    updated_by: str | None = None
    classification: ClassificationRead = "UNCLASSIFIED"
    releasable_to: ReleasableRead = None
    label: LabelRead = None


class ItemIn(BaseModel):
    """A relief item requests and offers of the event may name."""

    model_config = ConfigDict(extra="forbid")

    id: Identifier
    name: Name | None = None
    unit: Name = "unit"


class EventCreate(_Labels):
    """A new relief event."""

    id: Identifier | None = None
    name: Name | None = None
    at: LonLat | None = None
    started: dt.datetime | None = None
    items: Annotated[list[ItemIn], Field(max_length=1000)] = Field(default_factory=list)
    #: Airfields and ports the relief may use (absent: the ones shipped with forcegen).
    airfields: Annotated[list[Facility], Field(max_length=10_000)] | None = None
    ports: Annotated[list[Facility], Field(max_length=10_000)] | None = None
    settings: Settings | None = None


class EventUpdate(BaseModel):
    """Changed fields of an event; ``version`` is the one the change was based on.

    ``items`` replaces the whole list; an item a request or offer of the event names may not
    be dropped (409 naming it).
    """

    model_config = ConfigDict(extra="forbid")

    version: Version
    name: Name | None = None
    at: LonLat | None = None
    started: dt.datetime | None = None
    items: Annotated[list[ItemIn], Field(max_length=1000)] | None = None
    airfields: Annotated[list[Facility], Field(max_length=10_000)] | None = None
    ports: Annotated[list[Facility], Field(max_length=10_000)] | None = None
    settings: Settings | None = None
    classification: Level | None = None
    releasable_to: ReleasableTo = None
    label: LabelIn = None


class EventRead(_Stamped):
    """A relief event as stored."""

    id: str
    name: str | None = None
    at: Any = None
    started: dt.datetime | None = None
    items: list[dict[str, Any]] = Field(default_factory=list)
    airfields: list[dict[str, Any]] | None = None
    ports: list[dict[str, Any]] | None = None
    settings: dict[str, Any] | None = None


class RequestCreate(_Labels):
    """A new request: a capability or relief item, how many, where and by when."""

    id: Identifier | None = None
    event: Identifier
    capability: Identifier
    quantity: Count
    at: LonLat
    place: Name | None = None
    by_hours: Hours
    priority: Priority = 1
    name: Name | None = None


class RequestUpdate(BaseModel):
    """Changed fields of a request; ``version`` is the one the change was based on."""

    model_config = ConfigDict(extra="forbid")

    version: Version
    capability: Identifier | None = None
    quantity: Count | None = None
    at: LonLat | None = None
    place: Name | None = None
    by_hours: Hours | None = None
    priority: Priority | None = None
    name: Name | None = None
    classification: Level | None = None
    releasable_to: ReleasableTo = None
    label: LabelIn = None


class RequestRead(_Stamped):
    """A request as stored."""

    id: str
    event: str
    capability: str
    quantity: int
    at: Any
    place: str | None = None
    by_hours: float
    priority: int
    name: str | None = None


class OfferCreate(_Labels):
    """A new offer (it starts ``offered``; status changes go through the cycle)."""

    id: Identifier | None = None
    event: Identifier
    nation: NationCode
    capability: Identifier
    quantity: Count
    home: LonLat
    notice_hours: Hours = 0.0
    mode: Mode = "air"
    speed: Speed | None = None
    cost: Money = 0.0
    name: Name | None = None


class OfferUpdate(BaseModel):
    """Changed fields of an offer still ``offered``; ``version`` as for every update."""

    model_config = ConfigDict(extra="forbid")

    version: Version
    quantity: Count | None = None
    home: LonLat | None = None
    notice_hours: Hours | None = None
    mode: Mode | None = None
    speed: Speed | None = None
    cost: Money | None = None
    name: Name | None = None
    classification: Level | None = None
    releasable_to: ReleasableTo = None
    label: LabelIn = None


class OfferStatusChange(BaseModel):
    """Move an offer through ``offered -> committed -> in-transit -> delivered | released``.

    ``request`` is required to commit (the request the offer is held for) and refused
    otherwise: the request stays the one it was committed to. ``quantity`` commits part of
    the offer (the rest stays on offer as a new offer); committing only.
    """

    model_config = ConfigDict(extra="forbid")

    status: OfferStatus
    version: Version
    request: Identifier | None = None
    quantity: Count | None = None
    note: Text | None = None


class OfferRead(_Stamped):
    """An offer as stored, with its last status change."""

    id: str
    event: str
    nation: str
    capability: str
    quantity: int
    home: Any
    notice_hours: float
    mode: str
    speed: float | None = None
    cost: float
    status: str
    request: str | None = None
    name: str | None = None
    status_changed_at: dt.datetime | None = None
    status_changed_by: str | None = None


class StepRead(BaseModel):
    """One recorded change of an offer's status."""

    model_config = ConfigDict(from_attributes=True)

    before: str | None
    after: str
    request: str | None = None
    at: dt.datetime
    by: str | None = None
    note: str | None = None
