"""The exercise sections of a scenario (``training_areas``, ``exercises``, ...), validated.

Names follow the "Exercises" section of ``docs/scenario.md``. The units that train are the
pledges' units (a pledge of quantity 3 is three units, ``P-GBR-01/1`` .. ``/3``; a pledge of
one unit keeps its id), so the whole scenario is read first with
:func:`forcegen.scenario.load_scenario` and the exercise sections are then checked against it.
Every problem names its file, line, field and what was expected; all are raised together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError

from forcegen.deployment._inputs import find_cycle
from forcegen.exceptions import Problem, ScenarioError
from forcegen.scenario import Scenario, load_scenario
from forcegen.scenario._checks import problems_from
from forcegen.scenario._sections import records_of as _records
from forcegen.scenario._sections import scenario_file as _scenario_file
from forcegen.scenario._sources import Origin, read_yaml
from forcegen.scenario.models import Identifier, LonLat, Name, Names, _Strict

__all__ = ["Exercise", "Need", "Programme", "TrainingArea", "Unavailable", "Unit",
           "load_programme", "programme_from_scenario"]


class TrainingArea(_Strict):
    """A training area and how many exercises it hosts in the same week."""

    id: Identifier
    name: Name | None = None
    at: LonLat | None = None
    capacity: Annotated[int, Field(ge=1, le=1000)] = 1  # exercises it hosts in the same week


class Need(_Strict):
    """Units of a capability an exercise needs."""

    capability: Identifier
    quantity: Annotated[int, Field(ge=1, le=1000)] = 1


class Exercise(_Strict):
    """An exercise: its weeks, window, areas, the units it needs, what it certifies."""

    id: Identifier
    name: Name | None = None
    kind: Literal["staffex", "cpx", "livex", "certification"]
    weeks: Annotated[int, Field(ge=1, le=52)]
    window: tuple[dt.date, dt.date]
    area: Identifier | Names
    needs: Annotated[list[Need], Field(min_length=1, max_length=50)]
    after: Names = Field(default_factory=list)
    certifies: Names = Field(default_factory=list)
    value: Annotated[int, Field(ge=0, le=1_000_000)] = 1

    @property
    def areas(self) -> list[str]:
        """The acceptable areas (``area`` given as one id or a list)."""
        return [self.area] if isinstance(self.area, str) else list(self.area)


class Unavailable(_Strict):
    """A unit (or every unit of a pledge) deployed or resting from ``start`` until ``end``."""

    unit: Identifier
    start: dt.date
    end: dt.date                   # first day it is available again
    reason: Name | None = None


@dataclass(frozen=True)
class Unit:
    """One unit of a pledge (``P-GBR-01/2``: the second unit of pledge ``P-GBR-01``)."""

    id: str
    pledge: str
    nation: str
    capability: str


@dataclass(frozen=True)
class Programme:
    """A validated programme: every reference resolved, weeks counted from ``start`` (a Monday)."""

    source: str
    scenario: Scenario
    start: dt.date
    areas: list[TrainingArea]
    exercises: list[Exercise]
    units: list[Unit]
    unavailable: list[Unavailable]
    rest_weeks: int
    #: The ``standby`` section (:class:`forcegen.exercises.roster.Standby`), when given.
    standby: Any = None

    def week_of(self, day: dt.date) -> int:
        """The programme week holding ``day`` (week 0 starts on ``start``)."""
        return (day - self.start).days // 7

    def date_of(self, week: int) -> dt.date:
        """The Monday that starts ``week``."""
        return self.start + dt.timedelta(weeks=week)

    def start_weeks(self, ex: Exercise) -> tuple[int, int]:
        """First and last start week that keeps the exercise inside its window."""
        lo = -((self.start - ex.window[0]).days // 7)  # ceil((w0 - start) / 7)
        hi = ((ex.window[1] - self.start).days + 1) // 7 - ex.weeks
        return lo, hi


_SECTIONS: dict[str, type[_Strict]] = {"training_areas": TrainingArea, "exercises": Exercise,
                                       "units_unavailable": Unavailable}


def units_of(scenario: Scenario) -> list[Unit]:
    """Every unit of every pledge not withdrawn, in id order."""
    out: list[Unit] = []
    for p in sorted(scenario.pledges, key=lambda p: p.id):
        if p.status == "withdrawn":
            continue
        ids = [p.id] if p.quantity == 1 else [f"{p.id}/{k}" for k in range(1, p.quantity + 1)]
        out.extend(Unit(u, p.id, p.nation, p.capability) for u in ids)
    return out


def load_programme(path: str | Path) -> Programme:
    """Read a scenario folder, ``scenario.yaml`` or ``.xlsx`` workbook; check its programme.

    Raises
    ------
    forcegen.exceptions.ScenarioError
        With every problem found: unknown areas, capabilities, units or exercises, cycles in
        ``after``, windows shorter than the exercise, certifications a requirement asks for
        that no exercise awards and no pledge holds.
    """
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".xlsx":
        return programme_from_scenario(load_scenario(path), path)
    file = _scenario_file(path, "exercise")
    scenario = load_scenario(file)
    return programme_from_scenario(scenario, file)


#: Each exercise section's raw records with where they came from.
_Raw = dict[str, list[tuple[dict[str, Any], Origin]]]


def _yaml_raw(file: Path, problems: list[Problem]) -> tuple[_Raw, tuple[Any, Origin] | None]:
    """The exercise sections and ``standby`` of a ``scenario.yaml``, with their lines."""
    data, lines = read_yaml(file)
    raw = {s: _records(data, lines, file, s, problems) for s in _SECTIONS}
    if data.get("standby") is None:
        return raw, None
    head = "standby."
    origin = Origin(str(file), lines.get("standby"),
                    {k[len(head):]: v for k, v in lines.items() if k.startswith(head)})
    return raw, (data["standby"], origin)


def _xlsx_raw(file: Path, problems: list[Problem]) -> tuple[_Raw, tuple[Any, Origin] | None]:
    """The exercise sheets (each record with its sheet and row) and the ``standby`` row.

    ``standby`` is JSON text in the ``scenario`` sheet (a mapping, like ``enablers``).
    """
    from forcegen.scenario._xlsx import read_exercise_sheets

    meta, meta_origin, sheets, found = read_exercise_sheets(file)
    problems.extend(found)
    raw = {s: sheets.get(s, []) for s in _SECTIONS}
    if meta.get("standby") is None:
        return raw, None
    return raw, (meta["standby"], Origin(meta_origin.file, meta_origin.fields.get("standby")))


def programme_from_scenario(scenario: Scenario, file: str | Path) -> Programme:
    """The programme of an already loaded ``scenario``; ``file`` gives lines (or sheet rows).

    ``file`` is the ``scenario.yaml`` or the ``.xlsx`` workbook the scenario was read from.
    """
    file = Path(file)
    problems: list[Problem] = []
    raw, standby_raw = (_xlsx_raw if file.suffix.lower() == ".xlsx" else _yaml_raw)(
        file, problems)
    parsed: dict[str, list[tuple[Any, Origin]]] = {s: [] for s in _SECTIONS}
    for section, model in _SECTIONS.items():
        for rec, origin in raw[section]:
            try:
                parsed[section].append((model.model_validate(rec), origin))
            except ValidationError as exc:
                problems.extend(problems_from(exc, origin, prefix=f"{section}."))
    if not parsed["exercises"] and not problems:
        problems.append(Problem(str(file), "no `exercises` section: nothing to schedule"))
    start = scenario.data.programme_start
    units = units_of(scenario)
    standby = _parse_standby(standby_raw, problems)
    if not problems:
        problems.extend(_check(scenario, parsed, units))
        if standby is not None:
            problems.extend(_check_standby(scenario, standby, parsed, units))
    if problems:
        raise ScenarioError(sorted(problems, key=lambda p: (p.file, p.line or 0)))
    exercises: list[Exercise] = [e for e, _ in parsed["exercises"]]
    if start is None:  # the Monday on or before the first window opens
        first = min(e.window[0] for e in exercises)
        start = first - dt.timedelta(days=first.weekday())
    prog = Programme(str(file), scenario, start, [a for a, _ in parsed["training_areas"]],
                     exercises, units, [u for u, _ in parsed["units_unavailable"]],
                     scenario.data.units_rest_weeks or 0,
                     None if standby is None else standby[0])
    short = []
    for e, o in parsed["exercises"]:
        lo, hi = prog.start_weeks(e)
        if hi < max(lo, 0):
            short.append(Problem(o.file, f"exercise {e.id!r}: its window {e.window[0]} to "
                                 f"{e.window[1]} (counted in whole weeks from "
                                 f"{start}, a {start:%A}) is shorter than its {e.weeks} "
                                 "week(s)", o.line_of("window"), "window"))
    if short:
        raise ScenarioError(short)
    return prog


def _parse_standby(given: tuple[Any, Origin] | None, problems: list[Problem]
                   ) -> tuple[Any, Origin] | None:
    """The ``standby`` mapping validated (its fields' lines kept), or None when absent."""
    from forcegen.exercises.roster import Standby

    if given is None:
        return None
    raw, origin = given
    if not isinstance(raw, dict):
        problems.append(Problem(origin.file, "expected a mapping (start, months, requires, "
                                "...)", origin.line, "standby"))
        return None
    try:
        return Standby.model_validate(raw), origin
    except ValidationError as exc:
        problems.extend(problems_from(exc, origin, prefix="standby."))
        return None


def _check_standby(scenario: Scenario, standby: tuple[Any, Origin],
                   parsed: dict[str, list[tuple[Any, Origin]]], units: list[Unit]
                   ) -> list[Problem]:
    """Required capabilities offered; certifications awarded or held; start on a 1st."""
    sb, o = standby
    out: list[Problem] = []
    if sb.start.day != 1:
        out.append(Problem(o.file, f"standby starts {sb.start}: expected the first day of a "
                           "month (tours run in calendar months)", o.line_of("start"),
                           "standby.start"))
    caps = {u.capability for u in units}
    for k, n in enumerate(sb.requires):
        if n.capability not in caps:
            out.append(Problem(o.file, f"standby requires {n.capability!r}, which no pledge "
                               "offers (not withdrawn)", o.line_of(f"requires.{k}.capability"),
                               f"standby.requires.{k}.capability"))
    awarded = {c for e, _ in parsed["exercises"] for c in e.certifies}
    held = {str(c) for p in scenario.pledges
            for c in (p.extensions().get("x-certified") or {})}
    for c in sb.certified:
        if c not in awarded and c not in held:
            out.append(Problem(o.file, f"standby asks certification {c!r}, which no exercise "
                               "awards (`certifies`) and no pledge holds (`x-certified`)",
                               o.line_of("certified"), "standby.certified"))
    return out


def _iso_date(value: Any) -> bool:
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


#: Reports a problem at an origin, on a field's line.
_Bad = Callable[[Origin, str, str], None]


def _check_exercise(e: Exercise, o: Origin, known: tuple[set[str], set[str], set[str]],
                    scenario: Scenario, bad: _Bad) -> None:
    """One exercise's window, areas, needed capabilities and ``after`` references.

    ``known``: the training area ids, the exercise ids and the capabilities units offer.
    """
    areas, exercises, caps = known
    if e.window[1] < e.window[0]:
        bad(o, "window", f"exercise {e.id!r}: window ends ({e.window[1]}) before it "
            f"starts ({e.window[0]})")
    elif (e.window[1] - e.window[0]).days + 1 < 7 * e.weeks:
        bad(o, "window", f"exercise {e.id!r}: window of {(e.window[1] - e.window[0]).days + 1}"
            f" day(s) is shorter than its {e.weeks} week(s)")
    for a in e.areas:
        if a not in areas:
            bad(o, "area", f"exercise {e.id!r}: unknown training area {a!r}; expected one "
                f"of: {', '.join(sorted(areas)) or '(no training_areas defined)'}")
    for k, n in enumerate(e.needs):
        if n.capability not in scenario.catalog:
            bad(o, f"needs.{k}.capability", f"exercise {e.id!r}: unknown capability "
                f"{n.capability!r} (not in the catalog)")
        elif n.capability not in caps:
            bad(o, f"needs.{k}.capability", f"exercise {e.id!r}: no pledge offers "
                f"{n.capability!r}, so no unit can take part")
    for a in e.after:
        if a not in exercises:
            bad(o, "after", f"exercise {e.id!r}: unknown exercise {a!r} in `after`")


def _check_certifications(scenario: Scenario, awarded: set[str]) -> list[Problem]:
    """Pledges' ``x-certified`` well formed; each certification asked for awarded or held."""
    problems: list[Problem] = []
    held: set[str] = set()
    for p in scenario.pledges:
        got = p.extensions().get("x-certified")
        if got is None:
            continue
        if not isinstance(got, dict) or not all(
                v is True or isinstance(v, dt.date) or _iso_date(v) for v in got.values()):
            problems.append(Problem(scenario.source, f"pledge {p.id}: `x-certified` must map "
                                    "each certification to the date it was earned "
                                    "(YYYY-MM-DD) or to true", None,
                                    f"pledges[{p.id}].x-certified"))
            continue
        held.update(str(c) for c in got)
    for r in scenario.requirements:
        for c in r.certified or ():
            if c not in awarded and c not in held:
                problems.append(Problem(scenario.source, f"requirement {r.id}: certification "
                                        f"{c!r} is awarded by no exercise (`certifies`) and "
                                        "held by no pledge (`x-certified`)",
                                        None, f"requirements[{r.id}].certified"))
    return problems


def _check(scenario: Scenario, parsed: dict[str, list[tuple[Any, Origin]]],
           units: list[Unit]) -> list[Problem]:
    problems: list[Problem] = []

    def bad(origin: Origin, field: str, message: str) -> None:
        problems.append(Problem(origin.file, message, origin.line_of(field), field))

    for section in _SECTIONS:
        if section == "units_unavailable":
            continue
        seen: dict[str, int | None] = {}
        for rec, origin in parsed[section]:
            if rec.id in seen:
                bad(origin, "id", f"duplicate {section} id {rec.id!r} (first on line "
                    f"{seen[rec.id]})")
            seen.setdefault(rec.id, origin.line)
    areas = {a.id for a, _ in parsed["training_areas"]}
    exercises = {e.id: e for e, _ in parsed["exercises"]}
    caps = {u.capability for u in units}
    awarded: set[str] = set()
    for e, o in parsed["exercises"]:
        awarded.update(e.certifies)
        _check_exercise(e, o, (areas, set(exercises), caps), scenario, bad)
    origin_of = {e.id: o for e, o in parsed["exercises"]}
    cycle = find_cycle({e.id: [a for a in e.after if a in exercises] for e in exercises.values()})
    if cycle:
        bad(origin_of[cycle[0]], "after", "cycle in `after`: " + " -> ".join(cycle)
            + " (each waits for the next to end)")
    unit_ids = {u.id for u in units} | {u.pledge for u in units}
    for u, o in parsed["units_unavailable"]:
        if u.unit not in unit_ids:
            bad(o, "unit", f"unknown unit {u.unit!r}: expected a pledge id or a unit id "
                "such as P-GBR-01/2 (pledges not withdrawn)")
        if u.end < u.start:
            bad(o, "end", f"unit {u.unit!r}: unavailable until {u.end}, before {u.start}")
    problems.extend(_check_certifications(scenario, awarded))
    return problems
