"""The chain of command by day: national command until arrival, then transfer of authority.

Each unit line ends in a transfer of authority (TOA) to its sector's commander on the day it
arrives. What authority is transferred is data (``command`` in ``docs/scenario.md``,
"Deployment"): by default operational control (OPCON); a nation or a unit may give only
tactical control (TACON) or keep national command (NATCOM), from and until given days (a
national caveat, a rotation). Before it moves a unit is under national command at home; on the
move it is under national command in transit.

:func:`command_on_day` says, for a plan's unit lines, who commands each one on a given day;
:func:`transfers` lists the TOA events (at arrival and whenever a dated rule changes the
relationship later); :func:`idle_rules` names rules the plan never lets take effect. They
read the plan's rows (``DeploymentResult.rows()`` or the ``movements`` of its JSON), so a
workspace computes them from a stored plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from forcegen.scenario.models import Identifier, _Strict

__all__ = ["RELATIONSHIPS", "CommandRule", "command_on_day", "idle_rules", "transfers"]

Relationship = Literal["OPCON", "TACON", "NATCOM"]
#: The relationships in planners' words.
RELATIONSHIPS: dict[str, str] = {
    "OPCON": "operational control",
    "TACON": "tactical control",
    "NATCOM": "national command retained",
}


class CommandRule(_Strict):
    """A dated command relationship for a unit (pledge) or every unit of a nation.

    A unit's rule wins over its nation's; among rules of the same kind the one starting latest
    (on or before the day asked) wins. ``to`` names who receives the authority (default: the
    sector's commander; ``force`` for the force commander).
    """

    unit: Identifier | None = None
    nation: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    relationship: Relationship
    to: Identifier | None = None
    from_day: Annotated[int, Field(ge=0, le=100_000)] | None = None
    until_day: Annotated[int, Field(ge=0, le=100_000)] | None = None

    @model_validator(mode="after")
    def _one_subject(self) -> CommandRule:
        if (self.unit is None) == (self.nation is None):
            raise ValueError("give exactly one of `unit` (a pledge id) or `nation`")
        if (self.from_day is not None and self.until_day is not None
                and self.until_day < self.from_day):
            raise ValueError("`until_day` is before `from_day`")
        return self


def _rule(rules: Iterable[CommandRule], row: dict[str, Any], day: int) -> CommandRule | None:
    """The rule in force for ``row``'s unit on ``day`` (a unit's before its nation's)."""
    best: tuple[int, int] | None = None
    found = None
    for r in rules:
        if not _matches(r, row):
            continue
        start = r.from_day if r.from_day is not None else 0
        if start > day or (r.until_day is not None and day > r.until_day):
            continue
        key = (int(r.unit is not None), start)
        if best is None or key > best:
            best, found = key, r
    return found


def command_on_day(rows: list[dict[str, Any]], rules: Iterable[CommandRule],
                   day: int) -> dict[str, dict[str, Any]]:
    """Who commands each unit line on ``day``, by line id.

    Parameters
    ----------
    rows
        The plan's unit lines (``id``, ``unit``, ``nation``, ``sector``, ``start``,
        ``arrive``).
    rules
        The scenario's dated command relationships.
    day
        Days from C-day.

    Returns
    -------
    dict
        For each line: ``where`` (``home``, ``transit``, ``theatre``), ``relationship``
        (``NATCOM`` before arrival), ``to`` (the nation before arrival, else the commander),
        ``toa_day`` (its arrival) and ``text`` in planners' words.
    """
    rules = list(rules)
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        start, arrive = row.get("start"), row.get("arrive")
        nation = row.get("nation") or "its nation"
        if start is None or arrive is None:
            continue
        if day < arrive:
            where = "home" if day < start else "transit"
            text = (f"national command ({nation}), "
                    + (f"moves on day {start}" if where == "home" else "in transit")
                    + f"; TOA on day {arrive}")
            out[row["id"]] = {"where": where, "relationship": "NATCOM", "to": nation,
                              "toa_day": arrive, "text": text}
            continue
        rule = _rule(rules, row, day)
        rel = rule.relationship if rule else "OPCON"
        to = (rule.to if rule and rule.to else None) or row.get("sector") or "force"
        if rel == "NATCOM":
            to, text = nation, f"in theatre, national command retained ({nation})"
        else:
            text = f"{RELATIONSHIPS[rel]} ({rel}) of {to} since day {arrive}"
        out[row["id"]] = {"where": "theatre", "relationship": rel, "to": to,
                          "toa_day": arrive, "text": text}
    return out


def _matches(rule: CommandRule, row: dict[str, Any]) -> bool:
    if rule.unit is not None:
        return rule.unit == row.get("unit")
    return rule.nation == row.get("nation")


def _rule_days(rules: list[CommandRule], row: dict[str, Any]) -> list[int]:
    """The arrival day of ``row`` and each later day a rule for its unit starts or ends."""
    arrive = int(row["arrive"])
    days = {arrive}
    for r in rules:
        if not _matches(r, row):
            continue
        if r.from_day is not None and r.from_day > arrive:
            days.add(r.from_day)
        if r.until_day is not None and r.until_day + 1 > arrive:
            days.add(r.until_day + 1)
    return sorted(days)


def transfers(rows: list[dict[str, Any]], rules: Iterable[CommandRule]) -> list[dict[str, Any]]:
    """Each transfer of authority in day order: at arrival, then at each later change.

    The rules are evaluated on every day the plan gives them a meaning, not only on arrival: a
    national caveat ending on day 30 hands a unit that arrived on day 12 to its commander on
    day 31, and that is a transfer of authority too. Each: ``day``, ``id``, ``unit``,
    ``nation``, ``relationship``, ``to`` and ``event`` (``arrival``, or ``rule`` when a dated
    rule starts or ends; listed only when the relationship or its receiver changes).
    """
    rules = list(rules)
    out = []
    for row in rows:
        if row.get("arrive") is None:
            continue
        held: tuple[str, str] | None = None
        for day in _rule_days(rules, row):
            got = command_on_day([row], rules, day)[row["id"]]
            if (got["relationship"], got["to"]) == held:
                continue
            held = got["relationship"], got["to"]
            out.append({"day": day, "id": row["id"], "unit": row.get("unit"),
                        "nation": row.get("nation"), "relationship": got["relationship"],
                        "to": got["to"],
                        "event": "arrival" if day == int(row["arrive"]) else "rule"})
    out.sort(key=lambda t: (t["day"], t["id"]))
    return out


def idle_rules(rows: list[dict[str, Any]], rules: Iterable[CommandRule]) -> list[str]:
    """A note for each rule that holds on no day after any of its lines' arrivals.

    A rule ending before its unit's transfer of authority never takes effect in this plan (the
    unit is under national command until it arrives), which is worth telling the planner who
    wrote it: the plan, not the rule's text, decides the TOA day.
    """
    notes = []
    for k, r in enumerate(rules):
        arrivals = [int(row["arrive"]) for row in rows
                    if row.get("arrive") is not None and _matches(r, row)]
        if arrivals and r.until_day is not None and r.until_day < min(arrivals):
            who = f"unit {r.unit}" if r.unit is not None else f"nation {r.nation}"
            notes.append(f"command rule {k + 1} ({who}, {r.relationship} until day "
                         f"{r.until_day}) never applies: the first TOA it covers is on day "
                         f"{min(arrivals)}")
    return notes
