"""Read-side helpers the pages share, all through the workspace services.

The latest plan is always passed through ``runs.service.result_for`` (``runs.results.scoped``)
so a liaison or observer sees it exactly as the API would show it to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from forcegen.sourcing.plan import Plan
from forcegen.workspace.accounts import User
from forcegen.workspace.listing import PageParams
from forcegen.workspace.reference import WorkspaceMeta
from forcegen.workspace.requirements import service as requirements
from forcegen.workspace.runs import service as runs
from forcegen.workspace.runs.models import SourcingRun
from forcegen.workspace.runs.results import RunResult

__all__ = ["ScopedPlan", "latest_plan", "meta", "scoped_plan", "sector_names"]


@dataclass(frozen=True)
class ScopedPlan:
    """A finished run and its result as the user may see it."""

    run: SourcingRun
    result: RunResult

    @property
    def plan(self) -> Plan:
        """The scoped plan."""
        return self.result.plan


def meta(db: Session, key: str, default: Any = None) -> Any:
    """A scenario-level setting (``name``, ``currency``, ``depot_sites`` ...)."""
    row = db.get(WorkspaceMeta, key)
    return row.value if row is not None and row.value is not None else default


def sector_names(db: Session) -> dict[str, str]:
    """Sector id to its display name."""
    return {s.id: s.name or s.id for s in requirements.list_sectors(db)}


def scoped_plan(user: User, run: SourcingRun) -> ScopedPlan | None:
    """The plan of a finished run as ``user`` may see it, or ``None`` if there is none."""
    if run.state != "done":
        return None
    result = runs.result_for(user, run)
    return ScopedPlan(run=run, result=result) if result is not None else None


def latest_plan(db: Session, user: User) -> ScopedPlan | None:
    """The newest finished run's plan as ``user`` may see it."""
    rows, _ = runs.list_page(db, user, PageParams(limit=1, sort="-id"), state="done")
    return scoped_plan(user, rows[0]) if rows else None
