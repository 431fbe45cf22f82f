"""The deployment sections of a scenario (``c_day``, ``lift``, ``ports``, ``movements``), validated.

Names follow the "Deployment" section of ``docs/scenario.md``. Reading is separate from the rest
of the scenario on purpose: a deployment can be planned from explicit movements alone (a file with
``forcegen: 1`` and these sections is enough), and the other sections stay the sourcing loader's
business. Every problem names its file, line, field and what was expected; all problems are
collected in one pass and raised together as a :class:`~forcegen.exceptions.ScenarioError`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import Field, ValidationError

from forcegen.deployment._book import read_book
from forcegen.deployment._checks import check_records
from forcegen.deployment._inputs import (
    explicit_what_ifs,
    lose_ports,
    side_file,
)
from forcegen.deployment.command import CommandRule
from forcegen.exceptions import Problem, ScenarioError
from forcegen.scenario._checks import problems_from
from forcegen.scenario._sections import records_of as _records
from forcegen.scenario._sections import scenario_file as _scenario_file
from forcegen.scenario._sources import Origin, read_yaml
from forcegen.scenario.models import Identifier, LonLat, _Strict

__all__ = ["Deployment", "LiftType", "Movement", "Port", "assemble", "load_deployment",
           "with_lift"]

Day = Annotated[int, Field(ge=0, le=100_000)]
Place = LonLat | Identifier


class LiftType(_Strict):
    """A lift type: its mode and how many are available each day."""

    id: Identifier
    mode: Literal["air", "sea", "rail", "road"]
    capacity: Annotated[int, Field(ge=0)]
    nation: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    payload: Annotated[float, Field(gt=0)] | None = None


class Port(_Strict):
    """A port of embarkation or debarkation (airport, seaport, railhead, border crossing)."""

    id: Identifier
    kind: Literal["airport", "seaport", "railhead", "border-crossing"]
    at: LonLat | None = None
    node: Identifier | None = None
    throughput: Annotated[int, Field(ge=0)] | None = None
    # Extensions (docs/scenario.md): whether derived unit lines may embark, debark or both
    # here, and the sectors a port of debarkation serves (checked against the network).
    use: Literal["embark", "debark", "both"] = "both"
    sectors: list[Identifier] | None = None


class Movement(_Strict):
    """A unit line (ULN): what moves, from where to where, with which lift, when."""

    id: Identifier
    unit: Identifier | None = None
    origin: Place | None = None
    poe: Identifier | None = None
    pod: Identifier | None = None
    destination: Place | None = None
    days: Annotated[int, Field(ge=0, le=10_000)] | None = None
    lift: dict[Identifier, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    tons: Annotated[float, Field(ge=0)] | None = None
    after: list[Identifier] = Field(default_factory=list)
    available: Day = 0
    required: Day | None = None
    latest: Day | None = None
    # Extensions: who moves and where to, for closure per sector and priority.
    nation: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    sector: Identifier | None = None
    priority: Annotated[int, Field(ge=1, le=99)] | None = None


@dataclass(frozen=True)
class Deployment:
    """Validated deployment input: every reference resolved, no cycle, every need coverable."""

    source: str
    c_day: dt.date | None
    lift: list[LiftType]
    ports: list[Port]
    movements: list[Movement]
    notes: list[str] = field(default_factory=list)
    derived: bool = False  # movements derived from the sourced plan
    #: Dated command relationships (:mod:`forcegen.deployment.command`); default OPCON at TOA.
    command: list[CommandRule] = field(default_factory=list)

    def date_of(self, day: int) -> str | None:
        """The ISO date of day ``day`` after C-day (None without a ``c_day``)."""
        return (self.c_day + dt.timedelta(days=day)).isoformat() if self.c_day else None


_SECTIONS: dict[str, type[_Strict]] = {"lift": LiftType, "ports": Port, "movements": Movement,
                                       "command": CommandRule}


def load_deployment(path: str | Path, *, withdraw: tuple[str, ...] = (),
                    without: tuple[str, ...] = (),
                    prepositioned: tuple[str, ...] = ()) -> Deployment:
    """Read and check the deployment sections of a scenario folder, ``scenario.yaml`` or workbook.

    Without a ``movements`` section the unit lines are derived from the sourced plan
    (:mod:`forcegen.deployment.derive`). What-ifs: the nations in ``withdraw`` are left out
    (re-sourced when derived; their explicit lines dropped), the ports in ``without`` are lost
    (derived lines re-routed; an explicit line through one is refused), and the capability
    codes or pledge ids in ``prepositioned`` move only their personnel (derived lines only).

    Parameters
    ----------
    path
        A scenario folder, ``scenario.yaml`` (a ``deployment.yaml`` beside it is read too)
        or ``.xlsx`` workbook (sections as sheets, each problem naming its sheet and row).
    withdraw
        What-if: nation codes left out.
    without
        What-if: port ids lost.
    prepositioned
        What-if: capability codes or pledge ids whose heavy equipment is prepositioned.

    Returns
    -------
    Deployment
        Lift, ports and unit lines, with the notes of how the lines were made.

    Raises
    ------
    forcegen.exceptions.ScenarioError
        With every problem found: unknown lift, port or movement ids, cycles in ``after`` (the
        cycle named), a movement needing more lift or port throughput than exists on any day,
        a ``latest`` day before ``available`` plus the days in transit, missing ``days``.
    """
    file = _scenario_file(Path(path))
    problems: list[Problem] = []
    given: dict[str, list[tuple[dict[str, Any], Origin]]] = {}
    if file.suffix.lower() == ".xlsx":  # sheets of records, each problem naming sheet and row
        book = read_book(file, problems)
        data, lines, given = book.data, book.lines, book.records
        where = f"{file}[scenario]"
        side = Path(where)
        extra: dict[str, Any] = {}
        extra_lines: dict[str, int] = {}
    else:
        data, lines = read_yaml(file)
        if not isinstance(data, dict):
            raise ScenarioError([Problem(str(file), "expected a mapping (key: value) at the "
                                         "top", 1)])
        where = str(file)
        side, extra, extra_lines = side_file(file, data, lines, problems)

    def source(key: str) -> _Source:
        return (side, extra, extra_lines) if key in extra else (Path(where), data, lines)

    c_day = _read_c_day(source("c_day"), problems)
    parsed = _parse_sections(source, problems, given)
    derived = "movements" not in data and "movements" not in extra
    return assemble(parsed, problems, _WhatIfs(withdraw, without, prepositioned),
                    (str(file), c_day, derived),
                    (file, Origin(str(file), lines.get("pledges"), {}), extra.get("enablers")))


class _WhatIfs(NamedTuple):
    """What-ifs applied while reading: nations withdrawn, ports lost, prepositioned codes."""

    withdraw: tuple[str, ...]
    without: tuple[str, ...]
    prepositioned: tuple[str, ...]


def assemble(parsed: _Parsed, problems: list[Problem], what: _WhatIfs,
             head: tuple[str, dt.date | None, bool],
             plan_from: tuple[Any, Origin, Any]) -> Deployment:
    """Apply the what-ifs, derive the unit lines when none are given, check, and build.

    Shared by every reader (YAML, workbook, a scenario held in memory). ``head`` is the
    source's name, ``c_day`` and whether the lines are derived; ``plan_from`` the scenario to
    source them from (a path or a :class:`~forcegen.scenario.Scenario`), the origin named by
    problems of derived lines and the ``enablers`` override.

    Raises
    ------
    forcegen.exceptions.ScenarioError
        With ``problems`` and every problem found here, sorted by file and line.
    """
    source, c_day, derived = head
    notes: list[str] = []
    lose_ports(parsed, what.without)
    if not derived:
        explicit_what_ifs(parsed, what.withdraw, what.without, what.prepositioned)
    if derived and not problems:
        notes = _derive(parsed, plan_from, what.withdraw, what.prepositioned, problems)
    if not problems:
        problems.extend(check_records(parsed, check_units=not what.withdraw))
    if problems:
        raise ScenarioError(sorted(problems, key=lambda p: (p.file, p.line or 0)))
    return Deployment(source, c_day, [m for m, _ in parsed["lift"]],
                      [m for m, _ in parsed["ports"]], [m for m, _ in parsed["movements"]],
                      notes, derived, [c for c, _ in parsed["command"]])


#: A file, its parsed YAML and the line of each key.
_Source = tuple[Path, dict[str, Any], dict[str, int]]
#: Records each section parsed into, with where each came from.
_Parsed = dict[str, list[tuple[Any, Origin]]]


def _read_c_day(where: _Source, problems: list[Problem]) -> dt.date | None:
    """``c_day`` as a date (quoted or not), or None with a problem when it is not one."""
    c_file, c_data, c_lines = where
    c_day = c_data.get("c_day")
    if isinstance(c_day, str):  # quoted in the file (an export writes it so)
        with contextlib.suppress(ValueError):  # otherwise reported just below
            c_day = dt.date.fromisoformat(c_day.strip())
    if c_day is not None and not isinstance(c_day, dt.date):
        problems.append(Problem(str(c_file), f"expected a date YYYY-MM-DD (got {c_day!r})",
                                c_lines.get("c_day"), "c_day"))
        c_day = None
    return c_day


def _parse_sections(source: Callable[[str], _Source], problems: list[Problem],
                    given: dict[str, list[tuple[dict[str, Any], Origin]]]) -> _Parsed:
    """Each deployment section's records validated against its model, problems collected.

    ``given``: sections already read as records (a workbook's sheets), by section.
    """
    parsed: _Parsed = {s: [] for s in _SECTIONS}
    for section, model in _SECTIONS.items():
        s_file, s_data, s_lines = source(section)
        recs = (given[section] if section in given
                else _records(s_data, s_lines, s_file, section, problems))
        for rec, origin in recs:
            cells = rec.pop("__extra_cells__", None)
            if cells:
                problems.append(Problem(origin.file, f"row has {len(cells)} more cell(s) than "
                                        "the header", origin.line))
            try:
                parsed[section].append((model.model_validate(rec), origin))
            except ValidationError as exc:
                problems.extend(problems_from(exc, origin, prefix=f"{section}."))
    return parsed


def _derive(parsed: _Parsed, plan_from: tuple[Any, Origin, Any],
            withdraw: tuple[str, ...], prepositioned: tuple[str, ...],
            problems: list[Problem]) -> list[str]:
    """Add the unit lines derived from the sourced plan to ``parsed``; their notes."""
    file, where, enablers = plan_from
    if not parsed["lift"]:
        problems.append(Problem(where.file, "no `movements` and no `lift` section: give the "
                                "unit lines to move, or the lift to derive them from the "
                                "sourced plan", None, "lift"))
        return []
    from forcegen.deployment.derive import movements_from_plan

    made, more = movements_from_plan(file, [x for x, _ in parsed["lift"]],
                                     [p for p, _ in parsed["ports"]],
                                     withdraw=withdraw, prepositioned=prepositioned,
                                     enablers=enablers)
    problems.extend(more)
    for rec in made.movements:
        parsed["movements"].append((Movement.model_validate(rec), where))
    return list(made.notes)


def with_lift(dep: Deployment, capacity: dict[str, int]) -> Deployment:
    """What-if: the same deployment with some lift types' daily capacity changed.

    Parameters
    ----------
    dep
        The deployment.
    capacity
        New daily capacity by lift type id.

    Returns
    -------
    Deployment
        A copy with those capacities (``dep`` is unchanged).

    Raises
    ------
    forcegen.exceptions.OptionError
        For an unknown lift id, a negative capacity, or a capacity below what one movement
        needs each day (naming the movements).
    """
    from forcegen.exceptions import OptionError

    known = {x.id: x for x in dep.lift}
    for k, n in capacity.items():
        if k not in known:
            raise OptionError(f"{{lift}} {k}={n}: unknown lift type {k!r}; expected one of: "
                              f"{', '.join(sorted(known)) or '(no lift defined)'}", "lift")
        if n < 0:
            raise OptionError(f"{{lift}} {k}={n}: expected a capacity of 0 or more", "lift")
        short = [m.id for m in dep.movements if m.lift.get(k, 0) > n]
        if short:
            raise OptionError(f"{{lift}} {k}={n}: {len(short)} movement(s) need more {k} each day "
                              f"than that, e.g. {', '.join(short[:5])}", "lift")
    lift = [x.model_copy(update={"capacity": capacity[x.id]}) if x.id in capacity else x
            for x in dep.lift]
    return Deployment(dep.source, dep.c_day, lift, dep.ports, dep.movements, dep.notes,
                      dep.derived, dep.command)
