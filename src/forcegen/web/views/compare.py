"""Compare two sourcing runs: fill and cost, lines gained and lost, each nation's change.

The comparison is the core's (``forcegen.sourcing.compare_plans``, what ``forcegen compare``
prints), made by ``runs.compare`` from each run's plan as the reader may see it: a run the
reader may not see is "not found", and a line whose requirement their labels hide is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from forcegen.sourcing.compare import PlanDiff
from forcegen.sourcing.plan import Plan
from forcegen.web.core import HTMLRoute, PageDep, render
from forcegen.web.data import sector_names
from forcegen.web.marking import Labelled, labelled
from forcegen.workspace.api.deps import SessionDep
from forcegen.workspace.audit.reads import ReadTrail
from forcegen.workspace.listing import PageParams
from forcegen.workspace.runs import service as runs
from forcegen.workspace.runs.compare import compare_runs

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


@router.get("/compare", response_class=HTMLResponse)
def compare_page(
    request: Request, db: SessionDep, page: PageDep, a: RunQuery = None, b: RunQuery = None
) -> HTMLResponse:
    """Pick two finished runs; with both chosen, what changed from run ``a`` to run ``b``."""
    done, _ = runs.list_page(db, page.user, PageParams(limit=100, sort="-id"), state="done")
    ctx: dict[str, object] = {"done": done, "a": a, "b": b}
    shown: list[Labelled] = []
    trail = ReadTrail("web compare")
    trail.add_rows("sourcing_run", done)  # the runs offered are listed by number and date
    if a is not None and b is not None:
        found = compare_runs(db, page.user, a, b)
        trail.add_rows("sourcing_run", (found.run_a, found.run_b))
        ctx.update(
            diff=found.diff,
            gained=found.diff.gained,
            lost=found.diff.lost,
            nations=_nation_rows(found.diff, found.plan_a, found.plan_b),
            run_a=found.run_a, run_b=found.run_b,
            required_b=sum(x.quantity for x in found.plan_b.lines),
            sector_names=sector_names(db),
        )
        shown = [labelled(r) for r in (found.run_a, found.run_b)]
    else:
        shown = [labelled(r) for r in done]
    trail.write(db, page.user.username)
    return render(request, "compare.html", ctx, labels=shown)
