"""API shapes of pledges, their status changes and the totals other nations may see."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from forcegen.scenario.models import CapabilityRole, PledgeStatus
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
    Days,
    Identifier,
    Identifiers,
    LonLat,
    Money,
    Months,
    Name,
    NationCode,
    Personnel,
    Text,
)

__all__ = [
    "TRANSITIONS",
    "Caveats",
    "PledgeCreate",
    "PledgeRead",
    "PledgeStatusChange",
    "PledgeTotal",
    "PledgeUpdate",
]

#: The approval workflow: offered → provisional → approved; any of them → withdrawn; a
#: withdrawn pledge may be offered again.
TRANSITIONS: dict[str, frozenset[str]] = {
    "offered": frozenset({"provisional", "withdrawn"}),
    "provisional": frozenset({"approved", "offered", "withdrawn"}),
    "approved": frozenset({"withdrawn"}),
    "withdrawn": frozenset({"offered"}),
}

Version = Annotated[int, Field(ge=1, le=2**31 - 1)]


class Caveats(BaseModel):
    """National restrictions; an absent key means no restriction."""

    model_config = ConfigDict(extra="forbid")

    sectors: Identifiers | None = None
    roles: list[CapabilityRole] | None = None
    max_months: Months | None = None


class PledgeCreate(BaseModel):
    """A new pledge. It starts ``offered``; status changes go through the workflow."""

    model_config = ConfigDict(extra="forbid")

    #: Left out: the workspace assigns ``<nation>-<10 random characters>``. A chosen id must be
    #: in the nation's namespace and is accepted only while no pledge is hidden from the
    #: caller (``access.check_chosen_id``).
    id: Identifier | None = None
    nation: NationCode
    capability: Identifier
    quantity: Count
    personnel: Personnel
    notice_days: Days
    cost: Money = 0.0
    home: LonLat | Identifier | None = None
    caveats: Caveats | None = None
    name: Name | None = None
    classification: Level = "UNCLASSIFIED"
    #: Nations it may be released to (its own nation always sees it); absent: the coalition.
    releasable_to: ReleasableTo = None
    #: The full label (STANAG 4774 JSON form) instead of the two fields above.
    label: LabelIn = None


class PledgeUpdate(BaseModel):
    """Changed fields; ``version`` is the one the change was based on (409 if stale)."""

    model_config = ConfigDict(extra="forbid")

    version: Version
    capability: Identifier | None = None
    quantity: Count | None = None
    personnel: Personnel | None = None
    notice_days: Days | None = None
    cost: Money | None = None
    home: LonLat | Identifier | None = None
    caveats: Caveats | None = None
    name: Name | None = None
    classification: Level | None = None
    #: Sent as ``null``: releasable to the whole coalition again.
    releasable_to: ReleasableTo = None
    #: The full label (STANAG 4774 JSON form) instead of the two fields above.
    label: LabelIn = None


class PledgeStatusChange(BaseModel):
    """Move a pledge through the workflow."""

    model_config = ConfigDict(extra="forbid")

    status: PledgeStatus
    version: Version
    note: Text | None = None


class PledgeRead(BaseModel):
    """A pledge as stored, with who changed it and when."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    nation: str
    capability: str
    quantity: int
    personnel: int
    notice_days: float
    status: str
    cost: float
    home: Any = None
    caveats: dict[str, Any] | None = None
    name: str | None = None
    version: int
    created_at: dt.datetime
    created_by: str | None = None
    updated_at: dt.datetime
    updated_by: str | None = None
    status_changed_at: dt.datetime | None = None
    status_changed_by: str | None = None
    classification: ClassificationRead = "UNCLASSIFIED"
    releasable_to: ReleasableRead = None
    #: The full label (STANAG 4774 JSON form); the two fields above are its default-policy view.
    label: LabelRead = None


class PledgeTotal(BaseModel):
    """Summed offers of one group (by nation, capability and/or status)."""

    nation: str | None = None
    capability: str | None = None
    status: str | None = None
    pledges: int
    units: int
    personnel: int
