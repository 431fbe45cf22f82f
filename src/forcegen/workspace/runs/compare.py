"""Two runs compared as one reader may see them: the core's ``compare_plans`` on scoped plans.

A run the reader may not see is "not found" (404) as everywhere; a run without a plan is a 422
naming the parameter; a line whose requirement the reader's labels hide is left out of the
lines gained and lost.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from forcegen.sourcing.compare import LineChange, PlanDiff, compare_plans
from forcegen.sourcing.plan import Plan
from forcegen.workspace.access import label_visible
from forcegen.workspace.accounts import User
from forcegen.workspace.errors import Invalid
from forcegen.workspace.requirements.models import Requirement
from forcegen.workspace.runs import service
from forcegen.workspace.runs.models import SourcingRun

__all__ = ["RunComparison", "compare_runs"]


@dataclass(frozen=True)
class RunComparison:
    """Runs ``a`` and ``b``, their plans as the reader sees them, and the difference."""

    run_a: SourcingRun
    run_b: SourcingRun
    plan_a: Plan
    plan_b: Plan
    diff: PlanDiff


def _plan(db: Session, user: User, run_id: int, field: str) -> tuple[SourcingRun, Plan]:
    run = service.get(db, user, run_id)  # 404 when hidden
    result = service.result_for(user, run) if run.state == "done" else None
    if result is None:
        raise Invalid(f"run {run_id} has no plan ({run.state})", field=field)
    return run, result.plan


def _visible(db: Session, user: User, lines: list[LineChange]) -> list[LineChange]:
    ids = {c.requirement for c in lines}
    if not ids:
        return lines
    seen = set(db.scalars(select(Requirement.id).where(
        Requirement.id.in_(ids), label_visible(user, Requirement.__table__))))
    return [c for c in lines if c.requirement in seen]


def compare_runs(db: Session, user: User, a: int, b: int) -> RunComparison:
    """What changed from run ``a`` to run ``b``, as ``user`` may see both."""
    run_a, plan_a = _plan(db, user, a, "a")
    run_b, plan_b = _plan(db, user, b, "b")
    diff = compare_plans(plan_a, plan_b)
    diff = replace(diff, gained=_visible(db, user, diff.gained), lost=_visible(db, user, diff.lost))
    return RunComparison(run_a, run_b, plan_a, plan_b, diff)
