"""Read the ``relief:`` section of a scenario and check every reference, all problems at once.

The file is a scenario (``forcegen: 1``, ``nations``, ...): offers must come from declared
nations, and requests name a capability of the catalog or a relief item of the section's
``items``. Every problem names the file, line and field and what was expected; nothing is
half-read. What-ifs (closed airfields or ports, withdrawn offers) are applied here, so the
matching only ever sees the problem as it stands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ValidationError

from forcegen._gc import with_large_arrays
from forcegen.exceptions import OptionError, Problem, ScenarioError, one_of
from forcegen.relief.models import Event, Facility, Item, Offer, ReliefData, Request, Settings
from forcegen.relief.status import StatusError, check_history
from forcegen.relief.transport import PairTable, Transport, shipped_airfields, shipped_ports
from forcegen.scenario import Scenario, load_scenario
from forcegen.scenario._checks import problems_from
from forcegen.scenario._sections import records_of as _records
from forcegen.scenario._sections import scenario_file as _scenario_file
from forcegen.scenario._sources import Origin, read_yaml

__all__ = ["HELD", "USABLE", "ReliefProblem", "load_relief", "relief_problem"]

#: Offer statuses the matching may use freely; held ones are fixed to their request.
USABLE = ("offered", "committed")
HELD = ("committed", "in-transit", "delivered")
_LISTS: dict[str, type[BaseModel]] = {"events": Event, "items": Item, "requests": Request,
                                      "offers": Offer, "airfields": Facility, "ports": Facility}
_KEYS = (*_LISTS, "settings", "grid")


@dataclass
class ReliefProblem:
    """A checked relief section with its transport and its candidate pairs.

    ``pairs`` holds every (offer, request) pair of the same capability among the offers in
    play; ``fixed[k]`` is the quantity pair ``k`` must carry (an offer held for its request),
    0 where the matching is free.
    """

    name: str
    source: str
    data: ReliefData
    transport: Transport
    pairs: PairTable
    fixed: NDArray[np.float64]
    #: Offers out of play, by id, with why (released, withdrawn by a what-if).
    out: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    item_names: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)


@with_large_arrays
def load_relief(path: str | Path, *, close: tuple[str, ...] = (),
                withdraw: tuple[str, ...] = ()) -> ReliefProblem:
    """Read a scenario folder or ``scenario.yaml`` and check its ``relief`` section.

    ``close`` names airfields or ports closed, ``withdraw`` offers taken back (a ship
    committed elsewhere): both what-ifs.

    Raises
    ------
    forcegen.exceptions.ScenarioError
        With every problem found in the file.
    forcegen.exceptions.OptionError
        When a what-if names an airfield, port or offer the file does not have.
    """
    file = _scenario_file(Path(path), "relief")
    scenario = load_scenario(file)
    return relief_problem(scenario, file, close=close, withdraw=withdraw)


def _sub_lines(lines: dict[str, int], prefix: str) -> dict[str, int]:
    head = prefix + "."
    return {k[len(head):]: v for k, v in lines.items() if k.startswith(head)}


def _parse(section: dict[str, Any], lines: dict[str, int], file: Path
           ) -> tuple[dict[str, list[tuple[Any, Origin]]], Settings | None, list[Problem]]:
    problems: list[Problem] = []
    for key in section:
        if key not in _KEYS and not str(key).startswith("x-"):
            problems.append(Problem(str(file), f"unknown key {key!r} in relief; expected "
                                    f"{one_of(_KEYS)}", lines.get(str(key)), f"relief.{key}"))
    parsed: dict[str, list[tuple[Any, Origin]]] = {k: [] for k in _LISTS}
    for name, model in _LISTS.items():
        for rec, origin in _records(section, lines, file, name, problems):
            try:
                parsed[name].append((model.model_validate(rec), origin))
            except ValidationError as exc:
                problems.extend(problems_from(exc, origin, prefix=f"relief.{name}."))
    settings = None
    rest = {k: section[k] for k in ("settings", "grid") if k in section}
    try:
        head = ReliefData.model_validate({"events": [{"id": "-"}], **rest})
        settings = head.settings
    except ValidationError as exc:
        problems.extend(problems_from(exc, Origin(str(file), lines.get("settings"), lines),
                                       prefix="relief."))
    for p in problems:  # _records names list items without the section's own prefix
        if p.field and not p.field.startswith("relief."):
            problems[problems.index(p)] = Problem(p.file, p.message, p.line, "relief." + p.field)
    if not parsed["events"] and not problems:
        problems.append(Problem(str(file), "the relief section has no `events`",
                                lines.get("events"), "relief.events"))
    return parsed, settings, problems


def _duplicates(parsed: dict[str, list[tuple[Any, Origin]]]) -> list[Problem]:
    out = []
    for name, recs in parsed.items():
        seen: dict[str, int | None] = {}
        for rec, o in recs:
            if rec.id in seen:
                out.append(Problem(o.file, f"duplicate {name} id {rec.id!r} (first on line "
                                   f"{seen[rec.id]})", o.line_of("id"), f"relief.{name}.id"))
            seen.setdefault(rec.id, o.line)
    return out


def _offer_problems(f: Offer, requests: dict[str, Request], known: set[str],
                    nations: set[str]) -> list[tuple[str, str]]:
    """(field, message) for each wrong reference or status history of one offer."""
    out: list[tuple[str, str]] = []
    if f.nation not in nations:
        out.append(("nation", f"offer {f.id!r}: nation {f.nation!r} is not declared under "
                    f"`nations`; expected {one_of(nations)}"))
    if f.capability not in known:
        out.append(("capability", f"offer {f.id!r}: unknown capability or item "
                    f"{f.capability!r}; declare it under relief.items or use a catalog code"))
    r = requests.get(f.request) if f.request is not None else None
    if f.request is not None and r is None:
        out.append(("request", f"offer {f.id!r}: unknown request {f.request!r}"))
    elif r is not None and r.capability != f.capability:
        out.append(("request", f"offer {f.id!r} of {f.capability} cannot be held for request "
                    f"{r.id!r}, which asks for {r.capability}"))
    if f.history:
        try:
            check_history(f.id, [(s.status, s.at, s.by) for s in f.history])
            if f.history[-1].status != f.status:
                raise StatusError(f"offer {f.id!r}: its history ends {f.history[-1].status} "
                                  f"but its status is {f.status}")
        except StatusError as exc:
            out.append(("history", str(exc)))
    return out


def _references(scenario: Scenario, parsed: dict[str, list[tuple[Any, Origin]]]
                ) -> list[Problem]:
    problems: list[Problem] = []

    def bad(o: Origin, section: str, fld: str, message: str) -> None:
        problems.append(Problem(o.file, message, o.line_of(fld), f"relief.{section}.{fld}"))

    events = {e.id for e, _ in parsed["events"]}
    known = set(scenario.catalog) | {i.id for i, _ in parsed["items"]}
    nations = set(scenario.nation_by_code)
    requests = {r.id: r for r, _ in parsed["requests"]}
    for r, o in parsed["requests"]:
        if r.event not in events:
            bad(o, "requests", "event", f"request {r.id!r}: unknown event {r.event!r}; "
                f"expected {one_of(events)}")
        if r.capability not in known:
            bad(o, "requests", "capability", f"request {r.id!r}: unknown capability or item "
                f"{r.capability!r}; declare it under relief.items or use a catalog code")
    held: dict[str, int] = {}
    for f, o in parsed["offers"]:
        for fld, message in _offer_problems(f, requests, known, nations):
            bad(o, "offers", fld, message)
        if f.request in requests and f.status in HELD:
            held[f.request] = held.get(f.request, 0) + f.quantity
    for r, o in parsed["requests"]:
        if held.get(r.id, 0) > r.quantity:
            bad(o, "requests", "quantity", f"request {r.id!r}: offers held for it carry "
                f"{held[r.id]}, more than the {r.quantity} asked for")
    return problems


def _checked(scenario: Scenario, section: dict[str, Any], lines: dict[str, int], file: Path
             ) -> tuple[dict[str, list[tuple[Any, Origin]]], Settings | None, list[Problem]]:
    parsed, settings, problems = _parse(section, lines, file)
    problems += _duplicates(parsed)
    if not problems:
        problems += _references(scenario, parsed)
    return parsed, settings, problems


@with_large_arrays
def relief_problem(scenario: Scenario, file: str | Path, *, close: tuple[str, ...] = (),
                   withdraw: tuple[str, ...] = ()) -> ReliefProblem:
    """The relief problem of an already loaded ``scenario``; ``file`` gives line numbers.

    The section is checked as the scenario holds it; only when it has problems is the file
    read again, with the line of every value, to name them (a large file parses a third
    faster without).
    """
    file = Path(file)
    section = scenario.data.relief
    if not isinstance(section, dict):
        _, lines = read_yaml(file)
        raise ScenarioError([Problem(str(file), "no `relief` section (a mapping with events, "
                                     "requests and offers): nothing to match",
                                     lines.get("relief"), "relief")])
    parsed, settings, problems = _checked(scenario, section, {}, file)
    if problems:
        data, lines = read_yaml(file)
        again = data.get("relief") if isinstance(data, dict) else None
        if isinstance(again, dict):
            _, _, problems = _checked(scenario, again, _sub_lines(lines, "relief"), file)
        raise ScenarioError(sorted(problems, key=lambda p: (p.file, p.line or 0)))
    assert settings is not None
    rd = ReliefData.model_construct(
        events=[e for e, _ in parsed["events"]], items=[i for i, _ in parsed["items"]],
        requests=[r for r, _ in parsed["requests"]], offers=[f for f, _ in parsed["offers"]],
        airfields=[a for a, _ in parsed["airfields"]] if "airfields" in section else None,
        ports=[p for p, _ in parsed["ports"]] if "ports" in section else None,
        settings=settings, grid=section.get("grid"))
    return build(rd, scenario, str(file), close=close, withdraw=withdraw)


def _candidate_pairs(rd: ReliefData, out: dict[str, str]
                     ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Every (offer in play, request) pair of the same capability, by request then offer."""
    by_cap: dict[str, list[int]] = {}
    for i, f in enumerate(rd.offers):
        if f.id not in out:
            by_cap.setdefault(f.capability, []).append(i)
    groups = {c: np.array(v, dtype=np.int64) for c, v in by_cap.items()}
    empty = np.zeros(0, dtype=np.int64)
    parts = [groups.get(r.capability, empty) for r in rd.requests]
    sizes = np.fromiter((p.size for p in parts), np.int64, len(parts))
    e_o = np.concatenate(parts) if parts else empty
    e_r = np.repeat(np.arange(len(parts), dtype=np.int64), sizes)
    return e_o, e_r


def _check_what_ifs(rd: ReliefData, facility_ids: set[str], close: tuple[str, ...],
                    withdraw: tuple[str, ...]) -> None:
    for c in close:
        if c not in facility_ids:
            raise OptionError(f"{{close}}: unknown airfield or port {c!r}; expected "
                              f"{one_of(facility_ids)}", "close")
    offer_ids = {f.id for f in rd.offers}
    for w in withdraw:
        if w not in offer_ids:
            raise OptionError(f"{{withdraw}}: unknown offer {w!r}; expected "
                              f"{one_of(offer_ids)}", "withdraw")


@with_large_arrays
def build(rd: ReliefData, scenario: Scenario | None = None, source: str = "<memory>", *,
          close: tuple[str, ...] = (), withdraw: tuple[str, ...] = ()) -> ReliefProblem:
    """Apply the what-ifs and compute the candidate pairs of a checked section."""
    airfields = rd.airfields if rd.airfields is not None else shipped_airfields()
    ports = rd.ports if rd.ports is not None else shipped_ports()
    _check_what_ifs(rd, {f.id for f in airfields} | {f.id for f in ports}, close, withdraw)
    transport = Transport(rd, airfields, ports, frozenset(close))
    out: dict[str, str] = {}
    for f in rd.offers:
        if f.id in withdraw:
            out[f.id] = "withdrawn (what-if)"
        elif f.status == "released":
            out[f.id] = "released"
    e_o, e_r = _candidate_pairs(rd, out)
    table = transport.pairs(e_o, e_r)
    req_index = {r.id: j for j, r in enumerate(rd.requests)}
    held_for = np.array([req_index[f.request] if f.status in HELD and f.request is not None
                         else -1 for f in rd.offers], dtype=np.int64).reshape(-1)
    quantity = np.fromiter((f.quantity for f in rd.offers), float, len(rd.offers))
    fixed = np.where(held_for[e_o] == e_r, quantity[e_o], 0.0) if e_o.size else np.zeros(0)
    notes = [f"{what} {c} closed (what-if)" for c in close
             for what in ("airfield" if c in {a.id for a in airfields} else "port",)]
    notes += [f"offer {w} withdrawn (what-if)" for w in withdraw]
    if transport.sea_grid is not None:
        notes.append(f"sea legs go round land over a {transport.sea_grid:.2f} degree grid")
    names = {i.id: i.name or i.id for i in rd.items}
    if scenario is not None:
        names.update({c: scenario.catalog[c].name for c in
                      {r.capability for r in rd.requests} if c in scenario.catalog})
    name = scenario.name if scenario is not None else "relief"
    return ReliefProblem(name, source, rd, transport, table, fixed, out, notes, names,
                         {"close": list(close), "withdraw": list(withdraw)})
