"""What-ifs on a deployment and their comparison with the base plan.

The what-ifs that change which lines exist or how they route (a lost port, a nation withdrawn,
prepositioned equipment) are applied while loading (:func:`~forcegen.deployment.model.
load_deployment`); lift capacity (:func:`~forcegen.deployment.model.with_lift`) and C-day
(:func:`shift_c_day`) change a loaded deployment. :func:`compare` sets a what-if plan beside
the base plan: closure, lateness and closure per sector, with the differences.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from forcegen.deployment.model import Deployment
from forcegen.deployment.result import DeploymentResult

__all__ = ["compare", "shift_c_day"]


def shift_c_day(dep: Deployment, days: int) -> Deployment:
    """C-day ``days`` later (earlier when negative), units ready on the same calendar dates.

    ``available`` days count from the new C-day (never below 0), while ``required`` and
    ``latest`` stay relative to C-day (the force is wanted that many days after it).
    """
    if days == 0:
        return dep
    moves = [m.model_copy(update={"available": max(0, m.available - days)})
             for m in dep.movements]
    c_day = None if dep.c_day is None else dep.c_day + dt.timedelta(days=days)
    note = f"what-if: C-day moved {days:+d} day(s); units ready on the same calendar dates"
    return replace(dep, c_day=c_day, movements=moves, notes=[*dep.notes, note])


def _summary(r: DeploymentResult) -> dict[str, Any]:
    d = r.to_dict()
    return {k: d[k] for k in ("status", "closure", "closure_date", "bound", "lateness",
                              "closure_by_sector")} | {"lines": len(d["movements"]),
                                                        "late_lines": len(d["late"])}


def compare(base: DeploymentResult, alt: DeploymentResult,
            changes: list[str]) -> dict[str, Any]:
    """The what-if plan beside the base plan: both summaries and the differences.

    Differences are what-if minus base; a sector missing from one side is ``None``.
    """
    b, a = _summary(base), _summary(alt)

    def diff(x: Any, y: Any) -> Any:
        return None if x is None or y is None else y - x

    sectors = sorted(set(b["closure_by_sector"]) | set(a["closure_by_sector"]))
    return {
        "changes": changes,
        "base": b,
        "delta": {
            "closure": diff(b["closure"], a["closure"]),
            "lateness": diff(b["lateness"], a["lateness"]),
            "lines": a["lines"] - b["lines"],
            "closure_by_sector": {s: diff(b["closure_by_sector"].get(s),
                                          a["closure_by_sector"].get(s)) for s in sectors},
        },
    }
