"""Deployment runs: start one (planners), follow it, read the plan, its Gantt and downloads.

Beside the sourcing runs, with the same access rules: the page and the files show the plan
the user may see (``runs.deploy_service.scoped``): a liaison sees their own nation's unit
lines and the totals.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from forcegen.web.core import HTMLRoute, PageDep, render, see_other
from forcegen.web.data import meta, sector_names
from forcegen.web.deploy_charts import (
    MAX_GANTT_LINES,
    bottleneck,
    closure_svg,
    gantt_svg,
    use_svg,
)
from forcegen.web.marking import labelled, level_choices
from forcegen.web.tables import run_table
from forcegen.web.views.downloads import download
from forcegen.web.whatif_form import whatif_nations
from forcegen.workspace.api.deps import SessionDep, SettingsDep
from forcegen.workspace.api.run_routes import submit_run
from forcegen.workspace.audit.reads import record_reads
from forcegen.workspace.errors import Invalid
from forcegen.workspace.runs import deploy_service as deployments
from forcegen.workspace.runs.deploy_export import deployment_export
from forcegen.workspace.runs.deploy_options import DeployOptions, checked_options
from forcegen.workspace.runs.models import RUN_STATES

__all__ = ["router"]

router = APIRouter(route_class=HTMLRoute)

RunId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Filter = Annotated[str | None, Query(max_length=200)]


def _ids(db: Any, key: str) -> list[str]:
    """Ids of the imported ``lift`` or ``ports`` records (for the what-if form)."""
    value = meta(db, key, [])
    return (
        sorted({str(r["id"]) for r in value if isinstance(r, dict) and "id" in r})
        if isinstance(value, list)
        else []
    )


@router.get("/deployments", response_class=HTMLResponse)
def deployment_list(
    request: Request,
    db: SessionDep,
    page: PageDep,
    q: Filter = None,
    state: Filter = None,
    sort: Filter = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> HTMLResponse:
    """Deployment runs, newest first, and (planners) the form that starts one."""
    table, rows, total = run_table(
        "/deployments", partial(deployments.list_page, db, page.user), q, state, sort, offset
    )
    record_reads(db, page.user.username, "web list", "deployment_run", rows)
    ctx = {
        "rows": rows,
        "total": total,
        "table": table,
        "states": RUN_STATES,
        "options": DeployOptions.from_json,
    }
    if page.planner:
        ctx.update(
            levels=level_choices(page.user),
            nations=whatif_nations(db),
            ports=_ids(db, "ports"),
            lift=_ids(db, "lift"),
        )
    return render(
        request,
        "deployments.html",
        ctx,
        labels=[labelled(r) for r in rows],
    )


def _strings(form: Any, key: str) -> list[str]:
    return [v for v in form.getlist(key) if isinstance(v, str)][:300]


def _options(db: Any, form: Any) -> DeployOptions:
    """The what-ifs a submitted form asks for (checked; 422 naming the field)."""
    lift: dict[str, int] = {}
    for key in list(form.keys())[:1000]:
        value = form.get(key)
        if not key.startswith("lift_") or not isinstance(value, str) or not value.strip():
            continue
        text = value.strip()
        if not text.isdigit() or len(text) > 6:
            raise Invalid(
                f"{key[5:][:40]}: {text[:20]!r} is not a whole number of lift a day", field="lift"
            )
        lift[key[5:]] = int(text)
    shift = form.get("c_day_shift")
    text = shift.strip() if isinstance(shift, str) else ""
    if text and not text.lstrip("+-").isdigit():
        raise Invalid(
            f"C-day shift {text[:20]!r}: expected a whole number of days", field="c_day_shift"
        )
    return checked_options(
        db,
        _strings(form, "without"),
        _strings(form, "withdraw"),
        lift,
        int(text) if text and len(text) < 6 else 0,
    )


@router.post("/deployments", response_class=HTMLResponse)
async def start_deployment(
    request: Request, db: SessionDep, settings: SettingsDep, page: PageDep
) -> Response:
    """Queue a deployment run over the current data (the service refuses non-planners)."""
    deployments.may_start(page.user)
    form = await request.form()
    cap = form.get("max_classification")
    run = deployments.create(
        db, page.user, cap if isinstance(cap, str) and cap else None, _options(db, form)
    )
    submit_run(request, db, settings, deployments.execute, run.id)
    return see_other(f"/deployments/{run.id}", f"Deployment run {run.id} started.")


@router.get("/deployments/{deployment_id}", response_class=HTMLResponse)
def deployment_detail(
    request: Request, db: SessionDep, page: PageDep, deployment_id: RunId
) -> HTMLResponse:
    """A deployment run: progress while it works, then the plan as the user may see it."""
    run = deployments.get(db, page.user, deployment_id)
    record_reads(db, page.user.username, "web get", "deployment_run", [run])
    doc = deployments.scoped(page.user, run)
    ctx: dict[str, Any] = {
        "run": run,
        "doc": doc,
        "options": DeployOptions.from_json(run.options).describe(),
    }
    if doc is not None:
        names = sector_names(db)
        rows = doc["movements"]
        ctx.update(
            names=names,
            gantt=gantt_svg(rows, names),
            clipped=len(rows) > MAX_GANTT_LINES,
            curve=closure_svg(doc.get("closure_by_sector", {}), rows, names),
            use=use_svg(doc["use"]),
            bottleneck=bottleneck(doc["use"]),
            late={x["id"]: x for x in doc.get("late", [])},
        )
    return render(
        request, "deployment.html", ctx, labels=[labelled(run)]
    )


@router.get("/deployments/{deployment_id}/download/{fmt}")
def deployment_download(
    db: SessionDep, page: PageDep, deployment_id: RunId, fmt: Literal["xlsx", "csv", "json"]
) -> Response:
    """A finished deployment as the user may see it: workbook, force list (CSV) or JSON."""
    content = deployment_export(db, page.user, deployment_id, fmt)  # 404 when hidden
    record_reads(db, page.user.username, f"web export {fmt}", "deployment_run",
                 [deployments.get(db, page.user, deployment_id)])
    return download(*content)
