"""The scenario model: what a planning cell knows, as validated pydantic objects.

Names follow ``docs/scenario.md`` exactly; that page is the contract. Unknown keys are an error
(a typo must not pass silently) except keys starting with ``x-``, which are kept as they are so
that export round-trips them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "ROLES",
    "STATUSES",
    "Capability",
    "Caveats",
    "Ceiling",
    "DepotSite",
    "Nation",
    "Pledge",
    "Requirement",
    "Role",
    "ScenarioData",
    "Sector",
    "Status",
]

Role = Literal["combat", "combat-support", "service-support"]
Status = Literal["offered", "provisional", "approved", "withdrawn"]
ROLES: tuple[str, ...] = ("combat", "combat-support", "service-support")
#: Statuses in order of political commitment; a plan "including provisional" also uses approved.
STATUSES: tuple[str, ...] = ("withdrawn", "offered", "provisional", "approved")

Identifier = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^\S(.*\S)?$")]
LonLat = tuple[
    Annotated[float, Field(ge=-180, le=180)], Annotated[float, Field(ge=-90, le=90)]
]
NonNegInt = Annotated[int, Field(ge=0)]
PositiveInt = Annotated[int, Field(ge=1)]
NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class _Strict(BaseModel):
    """Rejects unknown keys unless they start with ``x-`` (kept for round-trips)."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True, frozen=False)

    @model_validator(mode="after")
    def _only_x_extras(self) -> _Strict:
        extra = self.__pydantic_extra__ or {}
        bad = [k for k in extra if not str(k).startswith("x-")]
        if bad:
            allowed = ", ".join(type(self).model_fields)
            raise ValueError(
                f"unknown field(s) {', '.join(map(repr, bad))}; expected one of: {allowed} "
                "(or an extension key starting with 'x-')"
            )
        return self

    def extensions(self) -> dict[str, Any]:
        return dict(self.__pydantic_extra__ or {})


class Ceiling(_Strict):
    personnel: NonNegInt | None = None


class Nation(_Strict):
    code: Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3")]
    name: str | None = None
    groups: list[str] = Field(default_factory=list)
    ceiling: Ceiling | None = None


class Capability(_Strict):
    code: Identifier
    name: str
    category: Annotated[str, Field(min_length=1)]
    role: Role
    symbol: str | None = None
    personnel: NonNegInt | None = Field(default=None, description="typical personnel per unit")
    description: str | None = None


class Sector(_Strict):
    id: Identifier
    name: str | None = None
    at: LonLat | None = None
    node: str | None = None
    demand: NonNegFloat = 1.0
    stocks: dict[str, NonNegFloat] | None = Field(
        default=None, description="stock demand in tons by stock type (ammunition, fuel, ...)"
    )


class Requirement(_Strict):
    id: Identifier
    capability: Identifier
    quantity: PositiveInt
    sector: Identifier
    priority: PositiveInt = 1
    notice_days: NonNegFloat
    start: dt.date | None = None
    months: PositiveInt | None = None
    name: str | None = None


class Caveats(_Strict):
    sectors: list[str] | None = None
    roles: list[Role] | None = None
    max_months: PositiveInt | None = None


class Pledge(_Strict):
    id: Identifier
    nation: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    capability: Identifier
    quantity: PositiveInt
    personnel: NonNegInt
    notice_days: NonNegFloat
    status: Status = "offered"
    cost: NonNegFloat = 0.0
    home: LonLat | str | None = Field(default=None, description="lon, lat or a network node id")
    caveats: Caveats | None = None
    name: str | None = None


class DepotSite(_Strict):
    id: Identifier
    name: str | None = None
    at: LonLat | None = None
    node: str | None = None
    capacity: NonNegFloat | None = None
    fixed_cost: NonNegFloat | None = None
    existing: bool = False


class ScenarioData(_Strict):
    """The whole scenario after structural validation (references are checked separately)."""

    forcegen: Literal[1]
    name: str = "unnamed scenario"
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "EUR"
    nations: list[Nation] = Field(default_factory=list)
    catalog: list[Capability] = Field(default_factory=list)
    sectors: list[Sector] = Field(default_factory=list)
    requirements: list[Requirement] = Field(default_factory=list)
    pledges: list[Pledge] = Field(default_factory=list)
    depot_sites: list[DepotSite] = Field(default_factory=list)
    network: str | None = None
    nodes: str | None = None
    costs: str | None = None
    # Deployment sections (docs/scenario.md "Deployment"), checked by forcegen.deployment (its
    # checks need lift, ports and movements together); kept as given so that validate, source
    # and export accept and keep them. A string names a CSV table beside scenario.yaml.
    c_day: dt.date | None = None
    lift: list[dict[str, Any]] | str | None = None
    ports: list[dict[str, Any]] | str | None = None
    movements: list[dict[str, Any]] | str | None = None
