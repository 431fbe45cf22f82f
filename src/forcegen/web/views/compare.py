"""Compare two sourcing runs: fill and cost, lines gained and lost, each nation's change.

The comparison is the core's (``forcegen.sourcing.compare_plans``, what ``forcegen compare``
prints), made from each run's plan as the reader may see it (``runs.results.scoped``): a run the
reader may not see is "not found", and a line whose requirement their labels hide is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from forcegen.sourcing.compare import LineChange, PlanDiff, compare_plans
from forcegen.sourcing.plan import Plan
from forcegen.web.core import HTMLRoute, PageDep, render
from forcegen.web.data import ScopedPlan, scoped_plan, sector_names
from forcegen.workspace.access import label_visible
from forcegen.workspace.accounts import User
from forcegen.workspace.api.deps import SessionDep
from forcegen.workspace.errors import Invalid
from forcegen.workspace.listing import PageParams
from forcegen.workspace.requirements.models import Requirement
from forcegen.workspace.runs import service as runs

__all__ = ["NationRow", "router"]

router = APIRouter(route_class=HTMLRoute)

RunQuery = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


@dataclass(frozen=True)
class NationRow:
    """One nation's contribution in both runs."""

    nation: str
    units_before: int
    units_after: int
    personnel_before: int
    personnel_after: int
    cost_before: float
    cost_after: float
    share_before: float
    share_after: float


def _nation_rows(diff: PlanDiff, before: Plan, after: Plan) -> list[NationRow]:
    """The core's nation changes with units and cost from each plan's burden table.

    In the core's order: the largest change in share first.
    """
    b = {x.nation: x for x in before.burden}
    a = {x.nation: x for x in after.burden}
    out = []
    for n in diff.nations:
        nb, na = b.get(n.nation), a.get(n.nation)
        out.append(NationRow(
            n.nation, nb.units if nb else 0, na.units if na else 0, n.personnel_before,
            n.personnel_after, nb.cost if nb else 0.0, na.cost if na else 0.0, n.share_before,
            n.share_after,
        ))
    return out


def _visible_lines(db: Session, user: User, lines: list[LineChange]) -> list[LineChange]:
    ids = {c.requirement for c in lines}
    if not ids:
        return lines
    table = Requirement.__table__
    seen = set(db.scalars(select(Requirement.id).where(
        Requirement.id.in_(ids), label_visible(user, table))))
    return [c for c in lines if c.requirement in seen]


def _plan_of(db: Session, user: User, run_id: int, field: str) -> ScopedPlan:
    run = runs.get(db, user, run_id)  # 404 when hidden
    scoped = scoped_plan(user, run)
    if scoped is None:
        raise Invalid(f"run {run_id} has no plan yet ({run.state})", field=field)
    return scoped


@router.get("/compare", response_class=HTMLResponse)
def compare_runs(
    request: Request, db: SessionDep, page: PageDep, a: RunQuery = None, b: RunQuery = None
) -> HTMLResponse:
    """Pick two finished runs; with both chosen, what changed from run ``a`` to run ``b``."""
    done, _ = runs.list_page(db, page.user, PageParams(limit=100, sort="-id"), state="done")
    ctx: dict[str, object] = {"done": done, "a": a, "b": b}
    shown = []
    if a is not None and b is not None:
        first, second = _plan_of(db, page.user, a, "a"), _plan_of(db, page.user, b, "b")
        diff = compare_plans(first.plan, second.plan)
        ctx.update(
            diff=diff,
            gained=_visible_lines(db, page.user, diff.gained),
            lost=_visible_lines(db, page.user, diff.lost),
            nations=_nation_rows(diff, first.plan, second.plan),
            run_a=first.run, run_b=second.run,
            required_a=sum(x.quantity for x in first.plan.lines),
            required_b=sum(x.quantity for x in second.plan.lines),
            sector_names=sector_names(db),
        )
        shown = [(r.classification, r.releasable_to, None) for r in (first.run, second.run)]
    else:
        shown = [(r.classification, r.releasable_to, None) for r in done]
    return render(request, "compare.html", ctx, labels=shown)
