"""API shapes of requirements, sectors and capability types."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from forcegen.scenario.models import Names
from forcegen.workspace.labels import (
    ClassificationRead,
    LabelIn,
    LabelRead,
    Level,
    ReleasableRead,
    ReleasableTo,
)
from forcegen.workspace.types import Count, Days, Identifier, Months, Name, Priority

__all__ = [
    "CapabilityRead",
    "RequirementCreate",
    "RequirementRead",
    "RequirementUpdate",
    "SectorRead",
]

class RequirementCreate(BaseModel):
    """A new requirement line (``docs/scenario.md``, ``requirements``)."""

    model_config = ConfigDict(extra="forbid")

    #: Left out: the workspace assigns ``R-<10 random characters>``. A chosen id is accepted
    #: only while no requirement is hidden from the caller (``access.check_chosen_id``).
    id: Identifier | None = None
    capability: Identifier
    quantity: Count
    sector: Identifier
    priority: Priority = 1
    notice_days: Days
    start: dt.date | None = None
    months: Months | None = None
    name: Name | None = None
    #: Certifications every unit on the line must hold before ``start`` (``docs/scenario.md``,
    #: "Exercises"); absent or empty: none. The core's own type (``Requirement.certified``,
    #: names an exercise ``certifies``), so the API and the file reader agree on every value.
    certified: Names | None = None
    classification: Level = "UNCLASSIFIED"
    #: Nations it may be released to; absent: the whole coalition.
    releasable_to: ReleasableTo = None
    #: The full label (STANAG 4774 JSON form) instead of the two fields above.
    label: LabelIn = None


class RequirementUpdate(BaseModel):
    """Changed fields of a requirement; ``version`` is the one the change was based on."""

    model_config = ConfigDict(extra="forbid")

    version: Annotated[int, Field(ge=1, le=2**31 - 1)]
    capability: Identifier | None = None
    quantity: Count | None = None
    sector: Identifier | None = None
    priority: Priority | None = None
    notice_days: Days | None = None
    start: dt.date | None = None
    months: Months | None = None
    name: Name | None = None
    #: Sent as ``null`` (or ``[]``): the line asks for no certification any more.
    certified: Names | None = None
    classification: Level | None = None
    #: Sent as ``null``: releasable to the whole coalition again.
    releasable_to: ReleasableTo = None
    #: The full label (STANAG 4774 JSON form) instead of the two fields above.
    label: LabelIn = None


class RequirementRead(BaseModel):
    """A requirement line as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    capability: str
    quantity: int
    sector: str
    priority: int
    notice_days: float
    start: dt.date | None
    months: int | None
    name: str | None
    certified: list[str] | None = None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    classification: ClassificationRead = "UNCLASSIFIED"
    releasable_to: ReleasableRead = None
    #: The full label (STANAG 4774 JSON form); the two fields above are its default-policy view.
    label: LabelRead = None


class SectorRead(BaseModel):
    """An area of operations."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str | None
    lon: float | None
    lat: float | None
    node: str | None
    demand: float


class CapabilityRead(BaseModel):
    """A capability type (built-in catalog overlaid with the scenario's own)."""

    code: str
    name: str
    category: str
    role: str
    symbol: str | None = None
    personnel: int | None = None
