"""API shapes of deployment runs."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from forcegen.workspace.labels import Level
from forcegen.workspace.runs.deploy_options import MAX_SHIFT
from forcegen.workspace.runs.schemas import RunLife
from forcegen.workspace.types import NationCode

__all__ = ["DeploymentCreate", "DeploymentRead", "DeploymentSummary"]

_Id = Annotated[str, Field(min_length=1, max_length=200)]


class DeploymentCreate(BaseModel):
    """Plan the force's deployment over the workspace's current data."""

    model_config = ConfigDict(extra="forbid")

    without: list[_Id] = Field(
        default_factory=list,
        max_length=100,
        description="what-if: these ports or airfields are lost",
    )
    withdraw: list[NationCode] = Field(
        default_factory=list,
        max_length=300,
        description="what-if: these nations withdraw (re-sourced, then re-deployed)",
    )
    lift: dict[_Id, Annotated[int, Field(ge=0, le=100_000)]] = Field(
        default_factory=dict, max_length=100, description="what-if: daily capacity by lift type id"
    )
    c_day_shift: Annotated[int, Field(ge=-MAX_SHIFT, le=MAX_SHIFT)] = Field(
        default=0, description="what-if: C-day this many days later (earlier if negative)"
    )
    max_classification: Level | None = Field(
        default=None, description="use only data labelled at or below this level"
    )


class DeploymentSummary(RunLife):
    """A deployment run without its plan."""

    #: What-ifs (``without``, ``withdraw``, ``lift``, ``c_day_shift``); null without.
    options: dict[str, Any] | None = None


class DeploymentRead(DeploymentSummary):
    """A deployment run with its plan (``forcegen deploy --json`` plus ``use`` and ``totals``).

    Liaisons and observers see their own nation's unit lines and the totals.
    """

    result: dict[str, Any] | None = None
