"""API shapes of sourcing runs."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from forcegen.scenario.limits import MAX_CEILING
from forcegen.scenario.models import UsableStatus
from forcegen.workspace.labels import ClassificationRead, LabelRead, Level, ReleasableRead
from forcegen.workspace.types import NationCode

__all__ = ["RunCreate", "RunLife", "RunRead", "RunSummary"]


class RunCreate(BaseModel):
    """Start a sourcing run over the workspace's current data."""

    model_config = ConfigDict(extra="forbid")

    include: list[UsableStatus] = Field(
        default_factory=lambda: ["approved"],  # type: ignore[arg-type]
        max_length=3,
        description="pledge statuses that may be used (approved is always used)",
    )
    withdraw: list[NationCode] = Field(
        default_factory=list, max_length=300,
        description="what-if: these nations withdraw all their pledges",
    )
    lift_caveats: list[NationCode] = Field(
        default_factory=list, max_length=300,
        description="what-if: these nations' caveats are ignored",
    )
    ceilings: dict[NationCode, Annotated[int, Field(ge=0, le=MAX_CEILING)] | None] = Field(
        default_factory=dict, max_length=300,
        description="what-if: personnel ceiling by nation (null removes the ceiling)",
    )
    max_classification: Level | None = Field(
        default=None,
        description=(
            "use only data labelled at or below this level (default: the starter's "
            "clearance), e.g. to produce a plan that can be shared more widely"
        ),
    )


class RunLife(BaseModel):
    """What every kind of run shows of itself (``models.RunRecord``): its life and label."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    state: str
    progress: float
    message: str | None
    started_by: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    error: str | None
    #: Until the run is done: its cap; then the high-water mark of the data it used.
    classification: ClassificationRead = "UNCLASSIFIED"
    releasable_to: ReleasableRead = None
    #: The full label (STANAG 4774 JSON form) of the high-water mark.
    label: LabelRead = None


class RunSummary(RunLife):
    """A run without its result."""

    #: The solver's stage (``READ``, ``COMPILE``, ``RELAX`` ... ``DONE``); null before it starts.
    stage: str | None = None
    include: list[str]
    #: What-if options (``withdraw``, ``lift_caveats``, ``ceilings``); null without what-ifs.
    whatif: dict[str, Any] | None = None


class RunRead(RunSummary):
    """A run with its result (``Plan.to_dict()``).

    Status, objective, assignments, shortfalls with reasons, gap. Liaisons and observers see
    only their own nation's assignments.
    """

    result: dict[str, Any] | None = None
