"""Sourcing runs: start one (planners), follow its progress, read the plan and its shortfalls."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from forcegen.scenario.models import USABLE_STATUSES
from forcegen.web.core import HTMLRoute, PageDep, render, see_other
from forcegen.web.data import scoped_plan, sector_names
from forcegen.web.marking import labelled, level_choices
from forcegen.web.tables import run_table
from forcegen.web.whatif_form import whatif_from_form, whatif_nations
from forcegen.workspace.api.deps import SessionDep, SettingsDep
from forcegen.workspace.api.run_routes import submit_run
from forcegen.workspace.audit.reads import record_reads
from forcegen.workspace.runs import service as runs
from forcegen.workspace.runs.models import RUN_STATES
from forcegen.workspace.runs.whatif import WhatIf

__all__ = ["router"]

router = APIRouter(route_class=HTMLRoute)

RunId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Filter = Annotated[str | None, Query(max_length=200)]
#: The statuses a planner may add to a run (approved pledges are always used), nearest to
#: approval first.
_OPTIONAL = tuple(s for s in reversed(USABLE_STATUSES) if s != "approved")


@router.get("/runs", response_class=HTMLResponse)
def run_list(
    request: Request,
    db: SessionDep,
    page: PageDep,
    q: Filter = None,
    state: Filter = None,
    sort: Filter = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> HTMLResponse:
    """Runs, newest first: search (who started it, its outcome, its number), state, paging."""
    table, rows, total = run_table(
        "/runs", partial(runs.list_page, db, page.user), q, state, sort, offset
    )
    record_reads(db, page.user.username, "web list", "sourcing_run", rows)
    shown = [labelled(r) for r in rows]
    ctx = {"rows": rows, "total": total, "levels": level_choices(page.user), "optional": _OPTIONAL,
           "nations": whatif_nations(db), "whatif": WhatIf.from_json,
           "done": [r for r in rows if r.state == "done"],
           "table": table, "states": RUN_STATES}
    return render(request, "runs.html", ctx, labels=shown)


@router.post("/runs", response_class=HTMLResponse)
async def start_run(
    request: Request, db: SessionDep, settings: SettingsDep, page: PageDep
) -> Response:
    """Queue a run over the current data (the service refuses non-planners)."""
    form = await request.form()
    include = [s for s in form.getlist("include") if isinstance(s, str) and s in _OPTIONAL]
    cap = form.get("max_classification")
    whatif = whatif_from_form(db, form)
    # Only a level the user may use is offered; anything else is refused by the service (422).
    run = runs.create(db, page.user, include, cap if isinstance(cap, str) and cap else None,
                      whatif)
    submit_run(request, db, settings, runs.execute, run.id)
    return see_other(f"/runs/{run.id}", f"Sourcing run {run.id} started.")


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_detail(request: Request, db: SessionDep, page: PageDep, run_id: RunId) -> HTMLResponse:
    """A run: progress while it works, then the plan as the user may see it."""
    run = runs.get(db, page.user, run_id)
    record_reads(db, page.user.username, "web get", "sourcing_run", [run])
    scoped = scoped_plan(page.user, run)
    ctx: dict[str, object] = {"run": run, "scoped": scoped, "sector_names": sector_names(db),
                              "whatif": WhatIf.from_json(run.whatif).describe()}
    if scoped is not None:
        plan = scoped.plan
        ctx.update(
            plan=plan,
            shortfalls=sorted(plan.shortfalls, key=lambda s: (s.priority, s.requirement)),
            assignments=sorted(plan.assignments, key=lambda a: (a.requirement, a.nation)),
            excluded=scoped.result.excluded,
        )
    # A run is labelled at the high-water mark of the data it used: its label covers the page.
    return render(request, "run.html", ctx, labels=[labelled(run)])
