"""A run's result, typed: the :class:`~forcegen.sourcing.Plan` and the records left out.

Stored once, in one JSON column, written by :func:`to_json` and read by :func:`from_json`
(``Plan.to_dict``/``Plan.from_dict`` plus ``excluded``); scoped for a reader by
:func:`scoped`, the one function that decides what a liaison or observer may see of a plan.
The API sends ``to_json(scoped(...))``; the pages and charts use the scoped ``Plan`` directly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from forcegen.sourcing.plan import Plan, Reason, Shortfall
from forcegen.workspace.access import is_planner, nation_scope
from forcegen.workspace.accounts import User

__all__ = ["RunResult", "from_json", "scoped", "to_json"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunResult:
    """What a finished run produced.

    Attributes
    ----------
    plan
        The plan the core returned.
    excluded
        Records left out as no longer valid, each ``{"kind", "id", "nation", "field",
        "value", "message"}`` (``scenarios/runnable.py``).
    """

    plan: Plan
    excluded: list[dict[str, Any]]


def to_json(result: RunResult) -> dict[str, Any]:
    """The JSON document stored in ``sourcing_runs.result`` and sent by the API."""
    return {**result.plan.to_dict(), "excluded": list(result.excluded)}


def from_json(doc: dict[str, Any] | None) -> RunResult | None:
    """The stored document as a :class:`RunResult`.

    ``None`` for a run without a result, and for a document that is not a plan (written by
    hand or by another tool into the table): it is logged, and the run reads as having no
    result rather than failing every page that lists it.
    """
    if not doc:
        return None
    try:
        return RunResult(Plan.from_dict(doc), list(doc.get("excluded", [])))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        log.warning("a stored run result is not a plan (%s: %s)", type(exc).__name__, exc)
        return None


def scoped(user: User, result: RunResult) -> RunResult:
    """The result as ``user`` may see it.

    Planners see everything. Liaisons and observers see their own nation's assignments,
    shortfalls with reason codes and unit counts (reasons naming other nations' pledges are
    reduced to the code), line fill and burden totals, the requirements left out and their
    own nation's pledges left out.
    """
    if is_planner(user):
        return result
    own = nation_scope(user)
    mine = [a for a in result.plan.assignments if a.nation == own]
    pledges = {a.pledge for a in mine}

    def reason(r: Reason) -> Reason:
        return replace(
            r,
            pledges=[p for p in r.pledges if p in pledges],
            nations=[n for n in r.nations if n == own],
            message=r.code,
            detail={},
        )

    shortfalls = [
        Shortfall(s.requirement, s.missing, s.capability, s.sector, s.priority,
                  [reason(r) for r in s.reasons])
        for s in result.plan.shortfalls
    ]
    return RunResult(
        replace(result.plan, assignments=mine, shortfalls=shortfalls),
        [e for e in result.excluded if e.get("kind") != "pledge" or e.get("nation") == own],
    )
