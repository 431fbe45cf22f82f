"""API shapes of nations."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from forcegen.workspace.types import NationCode, Text

__all__ = ["NationCreate", "NationRead", "NationUpdate"]

Groups = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[^\x00-\x1f\x7f]*$")]],
    Field(max_length=50),
]
Ceiling = Annotated[int, Field(ge=0, le=10_000_000, description="personnel cap")]


class NationCreate(BaseModel):
    """A nation joining the workspace."""

    model_config = ConfigDict(extra="forbid")

    code: NationCode
    name: Text | None = None
    groups: Groups = Field(default_factory=list)
    ceiling_personnel: Ceiling | None = None


class NationUpdate(BaseModel):
    """Changed fields of a nation."""

    model_config = ConfigDict(extra="forbid")

    name: Text | None = None
    groups: Groups | None = None
    ceiling_personnel: Ceiling | None = None


class NationRead(BaseModel):
    """A nation. ``ceiling_personnel`` is shown to planners and to the nation's own users."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str | None
    groups: list[str]
    ceiling_personnel: int | None
