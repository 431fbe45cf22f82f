"""``/api/v1/deployments``: plan the force's deployment in the background, read and download it.

The verbs are those of every run (:mod:`.run_routes`).
"""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session

from forcegen.workspace.accounts import User
from forcegen.workspace.api.run_routes import RunKind, add_run_routes
from forcegen.workspace.runs import deploy_service as service
from forcegen.workspace.runs.deploy_export import deployment_export
from forcegen.workspace.runs.deploy_models import DeploymentRun
from forcegen.workspace.runs.deploy_options import checked_options
from forcegen.workspace.runs.deploy_schemas import (
    DeploymentCreate,
    DeploymentRead,
    DeploymentSummary,
)

__all__ = ["router"]

router = APIRouter(prefix="/deployments", tags=["deployments"])


def _start(db: Session, user: User, body: DeploymentCreate) -> DeploymentRun:
    service.may_start(user)  # before the what-ifs are checked: nobody else learns from them
    options = checked_options(db, body.without, body.withdraw, body.lift, body.c_day_shift)
    return service.create(db, user, body.max_classification, options)


add_run_routes(
    router,
    RunKind(
        id_name="deployment_id",
        entity="deployment_run",
        create=DeploymentCreate,
        summary=DeploymentSummary,
        read=DeploymentRead,
        start=_start,
        execute=service.execute,
        list_page=service.list_page,
        get=service.get,
        result=service.scoped,
        export=deployment_export,
        export_media=(
            "application/json",
            "text/csv",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        names={"start": "start_deployment", "list": "list_deployments",
               "get": "get_deployment", "export": "export_deployment"},
        docs={
            "start": "Plan the deployment over the current data (planners); poll "
            "``GET /deployments/{id}``.",
            "list": "Deployment runs whose label the caller may see, newest first (every role).",
            "get": "A deployment run with, when done, its plan as the caller may see it.",
            "export": """Download a finished deployment as the caller may see it (every role).

            ``xlsx``: the deployment workbook, ``csv``: the time-phased force list, ``json``: the
            plan document. Each carries the run's marking.""",
        },
    ),
)
