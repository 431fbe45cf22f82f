"""``/api/v1/runs``: start sourcing in the background, follow progress, fetch the plan."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response, status

from forcegen.workspace.api.deps import CurrentUser, SessionDep, SettingsDep
from forcegen.workspace.api.params import Page, PageParamsDep, SearchQuery
from forcegen.workspace.runs import service
from forcegen.workspace.runs.compare import compare_runs
from forcegen.workspace.runs.export import plan_export
from forcegen.workspace.runs.models import RunState
from forcegen.workspace.runs.results import to_json
from forcegen.workspace.runs.schemas import RunCreate, RunRead, RunSummary
from forcegen.workspace.runs.whatif import checked_whatif

__all__ = ["router"]

router = APIRouter(prefix="/runs", tags=["runs"])

RunId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("", response_model=RunSummary, status_code=status.HTTP_202_ACCEPTED)
def start_run(
    request: Request, db: SessionDep, settings: SettingsDep, user: CurrentUser, body: RunCreate
) -> RunSummary:
    """Start sourcing over the current data (planners); poll ``GET /runs/{id}``."""
    whatif = checked_whatif(db, body.withdraw, body.lift_caveats, body.ceilings)
    run = service.create(db, user, list(body.include), body.max_classification, whatif)
    db.commit()  # the worker reads the row from its own session
    request.app.state.run_executor.submit(
        service.execute, request.app.state.session_factory, run.id, settings.run_time_limit
    )
    return RunSummary.model_validate(run)


@router.get("", response_model=Page[RunSummary])
def list_runs(
    db: SessionDep,
    user: CurrentUser,
    page: PageParamsDep,
    state: RunState | None = None,
    q: SearchQuery = None,
) -> Page[RunSummary]:
    """Runs whose label the caller's clearance and nation allow, newest first (every role).

    ``q``: text in who started the run or its outcome message, or the run's number.
    """
    rows, total = service.list_page(db, user, page, state=state, search=q)
    return Page[RunSummary](
        items=[RunSummary.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/compare")
def compare(
    db: SessionDep,
    user: CurrentUser,
    a: Annotated[int, Query(ge=1, le=2**31 - 1, description="the run compared from")],
    b: Annotated[int, Query(ge=1, le=2**31 - 1, description="the run compared to")],
) -> dict[str, Any]:
    """What changed from run ``a`` to run ``b``, as ``forcegen compare`` says (every role).

    Fill, cost, lines gained and lost, each nation's change; both plans as the caller may see
    them.
    """
    found = compare_runs(db, user, a, b)
    return {"a": a, "b": b, **found.diff.to_dict()}


@router.get("/{run_id}", response_model=RunRead)
def get_run(
    db: SessionDep,
    user: CurrentUser,
    run_id: RunId,
    with_result: Annotated[bool, Query(description="include the plan")] = True,
) -> RunRead:
    """A run with progress and, when done, the plan (scoped to the caller's nation)."""
    run = service.get(db, user, run_id)
    out = RunRead.model_validate(run)
    result = service.result_for(user, run) if with_result else None
    out.result = to_json(result) if result is not None else None
    return out


@router.get(
    "/{run_id}/export",
    responses={200: {"content": {
        "application/json": {},
        "application/zip": {},
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
    }}},
)
def export_plan(
    db: SessionDep,
    user: CurrentUser,
    run_id: RunId,
    format: Annotated[Literal["xlsx", "csv", "json"], Query()] = "xlsx",
) -> Response:
    """Download a finished run's plan as the caller may see it (every role).

    ``xlsx``: the plan workbook, ``csv``: its tables as CSV files in a zip, ``json``: the
    plan document of ``GET /runs/{id}``. Each file carries the run's marking.
    """
    content, filename, media = plan_export(db, user, run_id, format)
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
