"""``/api/v1/runs``: start sourcing in the background, follow progress, fetch the plan.

The verbs are those of every run (:mod:`.run_routes`); ``/runs/compare`` is sourcing's own.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from forcegen.workspace.accounts import User
from forcegen.workspace.api.deps import CurrentUser, SessionDep
from forcegen.workspace.api.run_routes import RunKind, add_run_routes
from forcegen.workspace.audit.reads import record_reads
from forcegen.workspace.runs import service
from forcegen.workspace.runs.compare import compare_runs
from forcegen.workspace.runs.export import plan_export
from forcegen.workspace.runs.models import SourcingRun
from forcegen.workspace.runs.results import to_json
from forcegen.workspace.runs.schemas import RunCreate, RunRead, RunSummary
from forcegen.workspace.runs.whatif import checked_whatif

__all__ = ["router"]

router = APIRouter(prefix="/runs", tags=["runs"])


# Before the shared verbs: "/compare" must not be read as a run's number.
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
    record_reads(db, user.username, "api compare", "sourcing_run", [found.run_a, found.run_b])
    return {"a": a, "b": b, **found.diff.to_dict()}


def _start(db: Session, user: User, body: RunCreate) -> SourcingRun:
    whatif = checked_whatif(db, body.withdraw, body.lift_caveats, body.ceilings)
    return service.create(db, user, list(body.include), body.max_classification, whatif)


def _result(user: User, run: SourcingRun) -> dict[str, Any] | None:
    result = service.result_for(user, run)
    return to_json(result) if result is not None else None


add_run_routes(
    router,
    RunKind(
        id_name="run_id",
        entity="sourcing_run",
        create=RunCreate,
        summary=RunSummary,
        read=RunRead,
        start=_start,
        execute=service.execute,
        list_page=service.list_page,
        get=service.get,
        result=_result,
        export=plan_export,
        export_media=(
            "application/json",
            "application/zip",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        names={"start": "start_run", "list": "list_runs", "get": "get_run",
               "export": "export_plan"},
        docs={
            "start": "Start sourcing over the current data (planners); poll ``GET /runs/{id}``.",
            "list": "Runs whose label the caller's clearance and nation allow, newest first "
            "(every role).\n\n"
            "``q``: text in who started the run or its outcome message, or the run's number.",
            "get": "A run with progress and, when done, the plan (scoped to the caller's nation).",
            "export": """Download a finished run's plan as the caller may see it (every role).

            ``xlsx``: the plan workbook, ``csv``: its tables as CSV files in a zip, ``json``: the
            plan document of ``GET /runs/{id}``. Each file carries the run's marking.""",
        },
    ),
)
