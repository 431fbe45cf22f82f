"""The dashboard: fill by sector and category, shortfalls, burden sharing, pledge totals."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from forcegen.scenario.models import PLEDGE_STATUSES
from forcegen.web.charts import burden_svg, category_fill_svg, sector_fill, sector_fill_svg
from forcegen.web.core import HTMLRoute, PageDep, render
from forcegen.web.data import latest_plan, meta, sector_names
from forcegen.workspace.api.deps import SessionDep
from forcegen.workspace.audit.reads import record_reads
from forcegen.workspace.listing import PageParams
from forcegen.workspace.pledges import service as pledges
from forcegen.workspace.requirements import service as requirements

__all__ = ["router"]

router = APIRouter(route_class=HTMLRoute)


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, db: SessionDep, page: PageDep) -> HTMLResponse:
    """The force at a glance, as the signed-in user may see it."""
    by_status = {t.status: t for t in pledges.totals(db, page.user, ["status"])}
    status_rows = [(s, by_status.get(s)) for s in PLEDGE_STATUSES]
    _, lines = requirements.list_page(db, page.user, PageParams(limit=1))
    names = sector_names(db)
    scoped = latest_plan(db, page.user)
    if scoped is not None:  # the latest plan's figures are shown
        record_reads(db, page.user.username, "web dashboard", "sourcing_run", [scoped.run])
    ctx: dict[str, object] = {
        "scenario": meta(db, "name", "Empty workspace"),
        "status_rows": status_rows,
        "requirement_lines": lines,
        "scoped": scoped,
        "sector_names": names,
    }
    if scoped is not None:
        plan = scoped.plan
        # Drawn as text-sized SVG (>= 11 px on screen in a dashboard column), not matplotlib
        # figures scaled down to a third of the page.
        ctx.update(
            plan=plan,
            sector_svg=sector_fill_svg(sector_fill(plan), names),
            category_svg=category_fill_svg(plan),
            burden_svg=burden_svg(plan),
            shortfalls=sorted(plan.shortfalls, key=lambda s: (s.priority, s.requirement)),
            own_units=sum(a.units for a in plan.assignments),
        )
    return render(request, "dashboard.html", ctx)
