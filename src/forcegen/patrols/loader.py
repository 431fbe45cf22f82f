"""Read a patrol file and turn it into arrays, every problem named in one pass.

A patrol file is a YAML mapping with a ``patrol:`` section (see ``docs/scenario.md``). Leg hours
come from the ``legs`` table where it has the pair, else from the great-circle distance at the
vessel's speed when both points have coordinates; a pair that has neither is an error, as is an
area no vessel may reach and return from within its endurance (unless the caller asks to drop
those, in which case they are listed in the result).
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from forcegen.exceptions import Problem, ScenarioError
from forcegen.patrols._legs import _label, _leg_times, _LegHours
from forcegen.patrols._refs import Bad, check_ids, check_what_ifs, sailing
from forcegen.patrols.cells import search_areas
from forcegen.patrols.models import Area, PatrolData, Port, Vessel
from forcegen.patrols.problem import DAY_HOURS, Geo, PatrolProblem
from forcegen.patrols.sea import SeaLegs
from forcegen.scenario._checks import problems_from
from forcegen.scenario._sources import Origin, read_csv_table, read_yaml

__all__ = ["build_problem", "load_patrol"]

MAX_INLAND_NM = 25.0  # a point farther from the sea grid than this is an input error
_MAX_LISTED = 12  # missing leg pairs listed by name before "and N more"


def load_patrol(path: str | Path, *, withdraw: tuple[str, ...] = (),
                close_ports: tuple[str, ...] = (), drop_unreachable: bool = False
                ) -> PatrolProblem:
    """Read ``path`` (a .yaml file or a folder holding ``patrol.yaml``) into a problem.

    Parameters
    ----------
    path
        The patrol file or its folder.
    withdraw
        What-if: vessel ids left out.
    close_ports
        What-if: ports closed (vessels based there stay out).
    drop_unreachable
        Plan without the areas no vessel can reach and return from (listed in the problem's
        ``dropped``) instead of refusing the file.

    Returns
    -------
    PatrolProblem
        The problem as arrays, every leg timed.

    Raises
    ------
    forcegen.exceptions.ScenarioError
        With every problem found (file, line, field, what was expected).
    """
    p = Path(path)
    if p.is_dir():
        p = next((p / n for n in ("patrol.yaml", "scenario.yaml") if (p / n).is_file()),
                 p / "patrol.yaml")
    if not p.is_file():
        raise ScenarioError([Problem(str(p), "no such file")])
    data, lines = read_yaml(p)
    src = str(p)
    if not isinstance(data, dict) or not isinstance(data.get("patrol"), dict):
        raise ScenarioError([Problem(src, "expected a mapping with a 'patrol:' section", 1)])
    unknown = [k for k in data if k not in ("forcegen", "name", "patrol")
               and not str(k).startswith("x-")]
    problems = [Problem(src, f"unknown top-level key {k!r}; expected forcegen, name, patrol",
                        lines.get(str(k)), str(k)) for k in unknown]
    origin = Origin(src, lines.get("patrol"),
                    {k.removeprefix("patrol."): v for k, v in lines.items()
                     if k.startswith("patrol.")})
    try:
        pd = PatrolData.model_validate(data["patrol"])
    except ValidationError as exc:
        problems.extend(problems_from(exc, origin, "patrol."))
        raise ScenarioError(problems) from None
    if problems:
        raise ScenarioError(problems)
    legs: dict[tuple[str, str], float] = {}
    if pd.legs is not None:
        legs = _read_legs(p.parent / pd.legs, src, origin.line_of("legs"))
    search = None
    if pd.search is not None:
        n_plain = len(pd.areas)
        cells, state = search_areas(pd.search, p.parent, src, origin.line_of)
        pd = pd.model_copy(update={"areas": [*pd.areas, *cells]})
        search = (state, np.arange(n_plain, n_plain + len(cells)))
    prob = build_problem(pd, legs, name=str(data.get("name") or p.stem), source=src,
                         line_of=origin.line_of, withdraw=withdraw, close_ports=close_ports,
                         drop_unreachable=drop_unreachable)
    return prob if search is None else replace(prob, search=search)


def _read_legs(path: Path, src: str, line: int | None) -> dict[tuple[str, str], float]:
    if not path.is_file():
        raise ScenarioError([Problem(src, f"legs table {path.name!r} not found", line, "legs")])
    problems: list[Problem] = []
    out: dict[tuple[str, str], float] = {}
    rows = read_csv_table(path)
    if rows and not {"from", "to", "hours"} <= set(rows[0][0]):
        raise ScenarioError([Problem(str(path), "expected columns from,to,hours", 1)])
    for rec, o in rows:
        a, b, h = str(rec.get("from", "")).strip(), str(rec.get("to", "")).strip(), rec.get("hours")
        try:
            hours = float(h)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            problems.append(Problem(str(path), f"expected a number of hours, got {h!r}", o.line,
                                    "hours"))
            continue
        if not math.isfinite(hours) or hours < 0:
            problems.append(Problem(str(path), f"hours must be >= 0, got {h!r}", o.line, "hours"))
            continue
        if not a or not b:
            problems.append(Problem(str(path), "a leg needs 'from' and 'to'", o.line))
            continue
        out[(a, b)] = hours
    if problems:
        raise ScenarioError(problems)
    return out


def _check_inland(pd: PatrolData, sea: SeaLegs, bad: Bad) -> None:
    """No area or port lies farther inland than :data:`MAX_INLAND_NM` (lon/lat swapped?)."""
    assert sea.routes is not None
    inland = {pt: float(sea.routes.inland_nm[i]) for pt, i in sea.index.items()
              if sea.routes.inland_nm[i] > MAX_INLAND_NM}
    named = [(f"areas.{i}", "area", a.id, a.at) for i, a in enumerate(pd.areas)]
    named += [(f"ports.{i}", "port", pt.id, pt.at) for i, pt in enumerate(pd.ports)]
    for field, kind, ident, at in named:
        d = inland.get(_pt(at)) if at is not None else None  # type: ignore[arg-type]
        if d is not None and at is not None:
            bad(field, f"{kind} {ident!r} at {list(at)} lies {d:.0f} nm inland (the nearest "
                f"sea is farther than {MAX_INLAND_NM:g} nm); check its lon/lat order")


def _report_missing(missing: dict[int, list[str]], pd: PatrolData, vessels: list[Vessel],
                    bad: Bad) -> None:
    """One problem per vessel whose legs could not be timed, naming the first pairs."""
    for k, pairs in missing.items():
        more = f" and {len(pairs) - _MAX_LISTED} more" if len(pairs) > _MAX_LISTED else ""
        idx = pd.vessels.index(vessels[k])
        bad(f"vessels.{idx}", f"vessel {vessels[k].id}: the legs table lacks "
            f"{', '.join(pairs[:_MAX_LISTED])}{more}, and coordinates with a speed are not "
            "given to compute them")


def build_problem(pd: PatrolData, legs: dict[tuple[str, str], float], *, name: str = "patrol",
                  source: str = "<memory>", line_of: Any = None,
                  withdraw: tuple[str, ...] = (), close_ports: tuple[str, ...] = (),
                  drop_unreachable: bool = False) -> PatrolProblem:
    """Check references and compute every leg's hours; raise with all problems found.

    Parameters
    ----------
    pd
        The ``patrol:`` section, validated.
    legs
        Hours of the legs a table gives, by ``(from, to)`` (either direction).
    name, source, line_of
        The problem's name, and where messages say a problem is (``line_of`` maps a field's
        dotted path to its line).
    withdraw, close_ports, drop_unreachable
        As :func:`load_patrol`.

    Returns
    -------
    PatrolProblem
        The problem as arrays.

    Raises
    ------
    forcegen.exceptions.ScenarioError
        With every problem found.
    forcegen.exceptions.OptionError
        For a vessel withdrawn or a port closed that the file does not have.
    """
    def where(field: str) -> int | None:
        return line_of(field) if line_of is not None else None

    problems: list[Problem] = []

    def bad(field: str, message: str) -> None:
        problems.append(Problem(source, message, where(field), field))

    check_ids(pd, bad)
    ports = {pt.id: pt for pt in pd.ports}
    leg_points = {x for pair in legs for x in pair}
    zones = {a.zone for a in pd.areas if a.zone}
    check_what_ifs(pd, ports, withdraw, close_ports)
    notes: list[str] = []
    vessels = sailing(pd, (set(ports) | leg_points, zones), withdraw, close_ports, bad, notes)
    if problems:
        raise ScenarioError(problems)

    def coord(ref: Any) -> tuple[float, float] | None:
        if not isinstance(ref, str):
            return (float(ref[0]), float(ref[1]))
        if ref in ports:
            return ports[ref].at
        a = next((x for x in pd.areas if x.id == ref), None)
        return a.at if a is not None else None

    sea = _sea_legs(pd, vessels, coord, notes)
    if sea is not None and sea.routes is not None:
        _check_inland(pd, sea, bad)
        if problems:
            raise ScenarioError(problems)
    n_a = len(pd.areas)
    hours = _LegHours(legs, sea)
    times = _leg_times(pd, vessels, coord, hours)
    _report_missing(hours.missing, pd, vessels, bad)
    _check_daily(pd, vessels, bad)
    if problems:
        raise ScenarioError(problems)
    prob = PatrolProblem.from_arrays(
        name=name, area_ids=[a.id for a in pd.areas],
        values=np.array([a.value for a in pd.areas], dtype=float),
        station=np.array([a.hours for a in pd.areas], dtype=float),
        windows=np.array([a.window or (0.0, math.inf) for a in pd.areas], dtype=float)
        .reshape(n_a, 2),
        zones=[a.zone for a in pd.areas], groups=[a.group or a.zone for a in pd.areas],
        vessel_ids=[v.id for v in vessels], nations=[v.nation for v in vessels],
        starts=[_label(v.start) for v in vessels], ends=[_label(v.end) for v in vessels],
        endurance=np.array([v.endurance for v in vessels], dtype=float),
        **times, notes=notes,
        geo=Geo(area_at=[_pt(a.at) for a in pd.areas],
                start_at=[_pt(coord(v.start)) for v in vessels],
                end_at=[_pt(coord(v.end)) for v in vessels],
                ports=[(pt.id, (float(pt.at[0]), float(pt.at[1]))) for pt in pd.ports],
                legs=sea))
    prob = prob.daily([v.days for v in vessels])
    unreachable = prob.unreachable()
    if unreachable and not drop_unreachable:
        for i, reason in unreachable:
            bad(f"areas.{i}", f"area {pd.areas[i].id!r} cannot be patrolled: {reason} "
                "(set drop_unreachable to plan without it)")
        raise ScenarioError(problems)
    return prob.without(unreachable)


def _check_daily(pd: PatrolData, vessels: list[Vessel], bad: Bad) -> None:
    """A daily sortie (``days`` > 1) must be back within the day."""
    for v in vessels:
        if v.days > 1 and v.endurance > DAY_HOURS:
            bad(f"vessels.{pd.vessels.index(v)}.endurance",
                f"vessel {v.id}: endurance {v.endurance:g} h with days: {v.days}; a daily "
                f"sortie must be back within the day ({DAY_HOURS:g} h)")


def _sea_legs(pd: PatrolData, vessels: list[Vessel], coord: Any, notes: list[str]
              ) -> SeaLegs | None:
    """Sea routes between every point with coordinates, or None for great-circle legs."""
    if pd.routing != "sea":
        return None
    pts = {(float(a.at[0]), float(a.at[1])) for a in pd.areas if a.at is not None}
    for v in vessels:
        pts |= {(float(c[0]), float(c[1])) for c in (coord(v.start), coord(v.end))
                if c is not None}
    if len(pts) < 2 or not any(v.speed is not None for v in vessels):
        return None
    legs = SeaLegs.between(sorted(pts), res=pd.grid)
    assert legs.routes is not None
    landed = int(legs.routes.on_land.sum())
    notes.append(f"legs not in a table go around land over a {legs.routes.res:.2f} degree sea "
                 "grid" + (f"; {landed} point(s) inside the coastline at this scale join the "
                           "nearest sea cell (harbour approach)" if landed else ""))
    return legs


def _pt(at: Any) -> tuple[float, float] | None:
    return None if at is None else (float(at[0]), float(at[1]))


# Re-exported so callers building problems in memory can type their inputs.
_ = (Area, Port)
