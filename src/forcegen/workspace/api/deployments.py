"""``/api/v1/deployments``: plan the force's deployment in the background, read and download it."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response, status

from forcegen.workspace.api.deps import CurrentUser, SessionDep, SettingsDep
from forcegen.workspace.api.params import Page, PageParamsDep, SearchQuery
from forcegen.workspace.runs import deploy_service as service
from forcegen.workspace.runs.deploy_export import deployment_export
from forcegen.workspace.runs.deploy_options import checked_options
from forcegen.workspace.runs.deploy_schemas import (
    DeploymentCreate,
    DeploymentRead,
    DeploymentSummary,
)
from forcegen.workspace.runs.models import RunState

__all__ = ["router"]

router = APIRouter(prefix="/deployments", tags=["deployments"])

RunId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("", response_model=DeploymentSummary, status_code=status.HTTP_202_ACCEPTED)
def start_deployment(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    body: DeploymentCreate,
) -> DeploymentSummary:
    """Plan the deployment over the current data (planners); poll ``GET /deployments/{id}``."""
    service.may_start(user)
    options = checked_options(db, body.without, body.withdraw, body.lift, body.c_day_shift)
    run = service.create(db, user, body.max_classification, options)
    db.commit()  # the worker reads the row from its own session
    request.app.state.run_executor.submit(
        service.execute, request.app.state.session_factory, run.id, settings.run_time_limit
    )
    return DeploymentSummary.model_validate(run)


@router.get("", response_model=Page[DeploymentSummary])
def list_deployments(
    db: SessionDep,
    user: CurrentUser,
    page: PageParamsDep,
    state: RunState | None = None,
    q: SearchQuery = None,
) -> Page[DeploymentSummary]:
    """Deployment runs whose label the caller may see, newest first (every role)."""
    rows, total = service.list_page(db, user, page, state=state, search=q)
    return Page[DeploymentSummary](
        items=[DeploymentSummary.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{deployment_id}", response_model=DeploymentRead)
def get_deployment(db: SessionDep, user: CurrentUser, deployment_id: RunId) -> DeploymentRead:
    """A deployment run with, when done, its plan as the caller may see it."""
    run = service.get(db, user, deployment_id)
    out = DeploymentRead.model_validate(run)
    out.result = service.scoped(user, run)
    return out


@router.get(
    "/{deployment_id}/export",
    responses={
        200: {
            "content": {
                "application/json": {},
                "text/csv": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            }
        }
    },
)
def export_deployment(
    db: SessionDep,
    user: CurrentUser,
    deployment_id: RunId,
    format: Annotated[Literal["xlsx", "csv", "json"], Query()] = "xlsx",
) -> Response:
    """Download a finished deployment as the caller may see it (every role).

    ``xlsx``: the deployment workbook, ``csv``: the time-phased force list, ``json``: the
    plan document. Each carries the run's marking.
    """
    content, filename, media = deployment_export(db, user, deployment_id, format)
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
