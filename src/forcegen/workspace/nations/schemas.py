"""API shapes of nations."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from forcegen.scenario.limits import MAX_CEILING
from forcegen.scenario.models import Names
from forcegen.workspace.types import Name, NationCode

__all__ = ["NationCreate", "NationRead", "NationUpdate"]

#: A nation's groups and its personnel ceiling: the scenario core's bounds.
Groups = Names
Ceiling = Annotated[int, Field(ge=0, le=MAX_CEILING, description="personnel cap")]


class NationCreate(BaseModel):
    """A nation joining the workspace."""

    model_config = ConfigDict(extra="forbid")

    code: NationCode
    name: Name | None = None
    groups: Groups = Field(default_factory=list)
    ceiling_personnel: Ceiling | None = None


class NationUpdate(BaseModel):
    """Changed fields of a nation; ``version`` is the one the change was based on."""

    model_config = ConfigDict(extra="forbid")

    version: Annotated[int, Field(ge=1, le=2**31 - 1)]
    name: Name | None = None
    groups: Groups | None = None
    ceiling_personnel: Ceiling | None = None


class NationRead(BaseModel):
    """A nation. ``ceiling_personnel`` is shown to planners and to the nation's own users."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str | None
    groups: list[str]
    ceiling_personnel: int | None
    version: int
