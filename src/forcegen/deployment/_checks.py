"""Checks between the records of the deployment sections (see :mod:`.model`).

Split from :mod:`forcegen.deployment.model`, which reads and validates each record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from forcegen.deployment._inputs import find_cycle
from forcegen.exceptions import Problem
from forcegen.scenario._sources import Origin

if TYPE_CHECKING:
    from forcegen.deployment.model import LiftType, Movement, Port

__all__ = ["check_records"]

#: Reports a problem at an origin, on a field's line when one is named.
_Bad = Callable[[Origin, "str | None", str], None]


def _check_lift_and_ports(m: Movement, o: Origin, lift: dict[str, LiftType],
                          ports: dict[str, Port], bad: _Bad) -> None:
    """A movement's lift types and ports exist and can carry it on one day."""
    for k, n in m.lift.items():
        if k not in lift:
            bad(o, f"lift.{k}", f"movement {m.id!r}: unknown lift type {k!r}; expected one "
                f"of: {', '.join(sorted(lift)) or '(no lift defined)'}")
        elif n > lift[k].capacity:
            bad(o, f"lift.{k}", f"movement {m.id!r} needs {n} {k} each day but only "
                f"{lift[k].capacity} exist on any day")
    use = sum(m.lift.values())
    for key in ("poe", "pod"):
        pid = getattr(m, key)
        if pid is None:
            continue
        if pid not in ports:
            bad(o, key, f"movement {m.id!r}: unknown port {pid!r}; expected one of: "
                f"{', '.join(sorted(ports)) or '(no ports defined)'}")
        elif ports[pid].throughput is not None and use > (ports[pid].throughput or 0):
            bad(o, key, f"movement {m.id!r} needs {use} lift uses a day through {pid!r} "
                f"but its throughput is {ports[pid].throughput} a day")


def _check_duplicates(parsed: dict[str, list[tuple[Any, Origin]]], bad: _Bad) -> None:
    """No id twice in a section."""
    for section in ("lift", "ports", "movements"):
        seen: dict[str, int | None] = {}
        for rec, origin in parsed[section]:
            if rec.id in seen:
                bad(origin, "id", f"duplicate {section} id {rec.id!r} (first on line "
                    f"{seen[rec.id]})")
            seen.setdefault(rec.id, origin.line)


def _check_command_units(parsed: dict[str, list[tuple[Any, Origin]]], units: set[str | None],
                         bad: _Bad) -> None:
    """Each unit a ``command`` rule names moves in some unit line."""
    for c, o in parsed.get("command", []):
        if c.unit is not None and c.unit not in units:
            bad(o, "unit", f"command: unit {c.unit!r} moves in no unit line (expected a "
                "`unit` of the movements, or a pledge of the sourced plan)")


def check_records(parsed: dict[str, list[tuple[Any, Origin]]], *,
                  check_units: bool = True) -> list[Problem]:
    """Every problem between the parsed records of the deployment sections.

    Duplicate ids per section; each movement's ``days``, lift types, ports (known, with the
    throughput it needs) and ``after`` references; a latest day before the earliest arrival;
    cycles in ``after``; the units ``command`` rules name (unless ``check_units`` is off: a
    nation withdrawn takes its units away). ``parsed`` maps each section (``lift``, ``ports``,
    ``movements``, ``command``) to its validated records and their origins.
    """
    problems: list[Problem] = []

    def bad(origin: Origin, field: str | None, message: str) -> None:
        problems.append(Problem(origin.file, message, origin.line_of(field) if field else
                                origin.line, field))

    _check_duplicates(parsed, bad)
    lift = {x.id: x for x, _ in parsed["lift"]}
    ports = {p.id: p for p, _ in parsed["ports"]}
    moves = {m.id: m for m, _ in parsed["movements"]}
    for m, o in parsed["movements"]:
        if m.days is None:
            bad(o, None, f"movement {m.id!r}: `days` is required (transit days computed from the "
                "route are not supported yet)")
        if not m.lift and m.tons is not None:
            bad(o, "tons", f"movement {m.id!r}: give `lift` per lift type (lift derived from "
                "`tons` and payload is not supported yet)")
        _check_lift_and_ports(m, o, lift, ports, bad)
        for a in m.after:
            if a not in moves:
                bad(o, "after", f"movement {m.id!r}: unknown movement {a!r} in `after`")
        if m.latest is not None and m.days is not None and m.latest < m.available + m.days:
            bad(o, "latest", f"movement {m.id!r}: latest arrival day {m.latest} is before the "
                f"earliest possible arrival (available day {m.available} + {m.days} days)")
    if check_units:
        _check_command_units(parsed, {m.unit for m in moves.values()}, bad)
    origin_of = {m.id: o for m, o in parsed["movements"]}
    cycle = find_cycle({m.id: [a for a in m.after if a in moves] for m in moves.values()})
    if cycle:
        bad(origin_of[cycle[0]], "after", "cycle in `after`: " + " -> ".join(cycle)
            + " (each waits for the next to arrive)")
    return problems
