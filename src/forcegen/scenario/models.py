"""The scenario model: what a planning cell knows, as validated pydantic objects.

Names follow ``docs/scenario.md`` exactly; that page is the contract. Unknown keys are an error
(a typo must not pass silently) except keys starting with ``x-``, which are kept as they are so
that export round-trips them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic_core import PydanticCustomError

from forcegen.scenario.limits import (
    FILE_NAME_RULE,
    MAX_CEILING,
    MAX_COST,
    MAX_DAYS,
    MAX_ID_CHARS,
    MAX_LIST_ITEMS,
    MAX_MONTHS,
    MAX_NAME_CHARS,
    MAX_PERSONNEL,
    MAX_PRIORITY,
    MAX_QUANTITY,
    MAX_TEXT_CHARS,
    control_character,
    unsafe_file_name,
)

__all__ = [
    "CAPABILITY_ROLES",
    "ONE_LINE",
    "PLEDGE_STATUSES",
    "TEXT",
    "USABLE_STATUSES",
    "Capability",
    "CapabilityRole",
    "Caveats",
    "Ceiling",
    "Days",
    "DepotSite",
    "Identifier",
    "LonLat",
    "Money",
    "Months",
    "Name",
    "Names",
    "Nation",
    "NationCode",
    "Personnel",
    "Pledge",
    "PledgeStatus",
    "Priority",
    "Quantity",
    "Requirement",
    "ScenarioData",
    "Sector",
    "Text",
    "UsableStatus",
]

# One definition of each concept, imported by the sourcing core, the workspace and the web
# pages alike (a capability's *role* is not a user's role: those are ``workspace.accounts``).
#: What a capability does in the force.
CapabilityRole = Literal["combat", "combat-support", "service-support"]
CAPABILITY_ROLES: tuple[CapabilityRole, ...] = get_args(CapabilityRole)
#: A pledge's approval status, in workflow order: offered -> provisional -> approved; any of
#: them -> withdrawn. (Not a solver status: those are "optimal", "feasible", ...)
PledgeStatus = Literal["offered", "provisional", "approved", "withdrawn"]
PLEDGE_STATUSES: tuple[PledgeStatus, ...] = get_args(PledgeStatus)
#: The statuses a sourcing run may count (``approved`` always; never ``withdrawn``).
UsableStatus = Literal["offered", "provisional", "approved"]
USABLE_STATUSES: tuple[UsableStatus, ...] = get_args(UsableStatus)



# Ids and names are keys and labels: one line, no control character (XLSX cannot even store
# most of them, and they would break every table they appear in). Checked as patterns, which
# pydantic runs natively (a Python validator per field costs a third more on 50,000 pledges).
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
#: Free text may hold tab, newline and carriage return, nothing else below U+0020.
TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
PATTERN_MESSAGES = {
    ONE_LINE: "must be one line without tabs or control characters",
    TEXT: "must not hold control characters (tab and newline are allowed)",
}


def _nation_code(value: Any) -> Any:
    # ISO 3166 alpha-3 codes are case-insensitive, so ``fra`` can only mean FRA.
    return value.strip().upper() if isinstance(value, str) else value


# Bounds (see forcegen.scenario.limits): the workspace stores these in fixed-width columns.
Identifier = Annotated[str, Field(min_length=1, max_length=MAX_ID_CHARS, pattern=ONE_LINE)]
Name = Annotated[str, Field(max_length=MAX_NAME_CHARS, pattern=ONE_LINE)]
Text = Annotated[str, Field(max_length=MAX_TEXT_CHARS, pattern=TEXT)]
NationCode = Annotated[
    str, BeforeValidator(_nation_code),
    Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3 (any case; stored upper)"),
]
LonLat = tuple[
    Annotated[float, Field(ge=-180, le=180)], Annotated[float, Field(ge=-90, le=90)]
]
NonNegInt = Annotated[int, Field(ge=0)]
PositiveInt = Annotated[int, Field(ge=1)]
NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY)]
Personnel = Annotated[int, Field(ge=0, le=MAX_PERSONNEL)]
Priority = Annotated[int, Field(ge=1, le=MAX_PRIORITY)]
Months = Annotated[int, Field(ge=1, le=MAX_MONTHS)]
Days = Annotated[float, Field(ge=0, le=MAX_DAYS, allow_inf_nan=False)]
Money = Annotated[float, Field(ge=0, le=MAX_COST, allow_inf_nan=False)]
# Demand, capacity and stock tons share the money bound: far above any real figure.
Amount = Annotated[float, Field(ge=0, le=MAX_COST, allow_inf_nan=False)]
Names = Annotated[list[Name], Field(max_length=MAX_LIST_ITEMS)]


def _file_name(value: str | None) -> str | None:
    if value is None:
        return None
    reason = unsafe_file_name(value)
    if reason is not None:
        raise ValueError(f"{reason}; expected {FILE_NAME_RULE}")
    return value


FileName = Annotated[str, AfterValidator(_file_name)]


def _no_control(value: Any, where: str) -> None:
    """Refuse control characters anywhere in ``value`` (strings inside lists and dicts too)."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            bad = control_character(v)
            if bad:
                raise ValueError(f"{where}holds the control character {bad}")
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list | tuple):
            stack.extend(v)


class _Strict(BaseModel):
    """Rejects unknown keys unless they start with ``x-`` (kept for round-trips)."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True, frozen=False)

    @model_validator(mode="after")
    def _only_x_extras(self) -> _Strict:
        extra = self.__pydantic_extra__ or {}
        for k, v in extra.items():
            # Every declared text field has a pattern; extension values are checked here. The
            # key travels in the error's context so that the problem names it as its field.
            try:
                _no_control([k, v], f"{k!r} ")
            except ValueError as exc:
                raise PydanticCustomError("control_character", str(exc), {"field": str(k)}) \
                    from None
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
    """A nation's ceiling: the most personnel it will send in total (None: no limit)."""

    personnel: Annotated[int, Field(ge=0, le=MAX_CEILING)] | None = None


class Nation(_Strict):
    """A contributing nation: ISO 3166 alpha-3 code, the groups it belongs to, its ceiling."""

    code: NationCode
    name: Name | None = None
    groups: Names = Field(default_factory=list)
    ceiling: Ceiling | None = None


class Capability(_Strict):
    """A capability type of the catalog: what a unit is, its role and lift need."""

    code: Identifier
    name: Name
    category: Annotated[str, Field(min_length=1, max_length=100, pattern=ONE_LINE)]
    role: CapabilityRole
    symbol: Annotated[str, Field(max_length=100, pattern=ONE_LINE)] | None = None
    personnel: Personnel | None = Field(default=None, description="typical personnel per unit")
    description: Text | None = None
    # Lift need for deployment (docs/scenario.md "Deployment"): equipment tons per unit, and
    # whether it holds outsize cargo (tracked or heavy vehicles: ship or rail, never airlift).
    tons: Amount | None = Field(default=None, description="equipment tons per unit")
    outsize: bool | None = None


class Sector(_Strict):
    """An area of operations: where it is (``at`` or a network ``node``) and its demand."""

    id: Identifier
    name: Name | None = None
    at: LonLat | None = None
    node: Identifier | None = None
    demand: Amount = 1.0
    stocks: dict[Name, Amount] | None = Field(
        default=None, description="stock demand in tons by stock type (ammunition, fuel, ...)"
    )


class Requirement(_Strict):
    """One line of the statement of requirements: units of a capability for a sector."""

    id: Identifier
    capability: Identifier
    quantity: Quantity
    sector: Identifier
    priority: Priority = 1
    notice_days: Days
    start: dt.date | None = None
    months: Months | None = None
    name: Name | None = None
    # Certifications every unit on this line must hold before ``start`` (docs/scenario.md
    # "Exercises"); earned in the exercise programme (forcegen.exercises) or recorded on a
    # pledge as ``x-certified``.
    certified: Names | None = None


class Caveats(_Strict):
    """A nation's limits on a pledge: sectors, roles and months it may serve."""

    sectors: Names | None = None
    roles: list[CapabilityRole] | None = None
    max_months: Months | None = None


class Pledge(_Strict):
    """Units a nation offers: a capability, its readiness (notice days), status and cost."""

    id: Identifier
    nation: NationCode
    capability: Identifier
    quantity: Quantity
    personnel: Personnel
    notice_days: Days
    status: PledgeStatus = "offered"
    cost: Money = 0.0
    home: LonLat | Identifier | None = Field(
        default=None, description="lon, lat or a network node id"
    )
    caveats: Caveats | None = None
    name: Name | None = None


class DepotSite(_Strict):
    """A candidate site for pre-positioned equipment (``existing``: already open)."""

    id: Identifier
    name: Name | None = None
    at: LonLat | None = None
    node: Identifier | None = None
    capacity: Amount | None = None
    fixed_cost: Money | None = None
    existing: bool = False


class ScenarioData(_Strict):
    """The whole scenario after structural validation (references are checked separately)."""

    forcegen: Literal[1]
    name: Name = "unnamed scenario"
    currency: NationCode = "EUR"  # ISO 4217: three letters, any case, stored upper
    nations: list[Nation] = Field(default_factory=list)
    catalog: list[Capability] = Field(default_factory=list)
    sectors: list[Sector] = Field(default_factory=list)
    requirements: list[Requirement] = Field(default_factory=list)
    pledges: list[Pledge] = Field(default_factory=list)
    depot_sites: list[DepotSite] = Field(default_factory=list)
    # Plain file names beside the scenario, never paths (see limits.unsafe_file_name).
    network: FileName | None = None
    nodes: FileName | None = None
    costs: FileName | None = None
    # Deployment sections (docs/scenario.md "Deployment"), checked by forcegen.deployment (its
    # checks need lift, ports and movements together); kept as given so that validate, source
    # and export accept and keep them. A string names a CSV table beside scenario.yaml.
    c_day: dt.date | None = None
    lift: list[dict[str, Any]] | FileName | None = None
    ports: list[dict[str, Any]] | FileName | None = None
    movements: list[dict[str, Any]] | FileName | None = None
    # Dated command relationships (OPCON, TACON, NATCOM) by unit or nation, checked by
    # forcegen.deployment.command.
    command: list[dict[str, Any]] | None = None
    # Exercise sections (docs/scenario.md "Exercises"), checked by forcegen.exercises against
    # the pledges and requirements; kept as given here so that validate, source and export
    # accept and keep them.
    programme_start: dt.date | None = None
    training_areas: list[dict[str, Any]] | None = None
    exercises: list[dict[str, Any]] | None = None
    units_rest_weeks: Annotated[int, Field(ge=0, le=52)] | None = None
    units_unavailable: list[dict[str, Any]] | None = None
    standby: dict[str, Any] | None = None
    # Relief section (docs/scenario.md "Relief"), checked by forcegen.relief against the
    # nations and the catalog; kept as given here so that validate and export accept it.
    relief: dict[str, Any] | None = None
    # Capability code -> tier for the default `after` rules of derived unit lines (enablers
    # first); replaces the built-in table, `{}` switches the rules off.
    enablers: dict[Identifier, Annotated[int, Field(ge=0, le=9)]] | None = None
