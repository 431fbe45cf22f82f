"""``/api/v1/scenario``: import (upload) and export (download) the whole scenario."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import PurePosixPath
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from forcegen.workspace.access import PLANNERS, require_role
from forcegen.workspace.api.deps import CurrentUser, SessionDep, SettingsDep
from forcegen.workspace.audit.reads import ReadTrail
from forcegen.workspace.scenarios import service
from forcegen.workspace.scenarios.schemas import ImportRead

__all__ = ["router"]

router = APIRouter(prefix="/scenario", tags=["scenario"])


@router.post("/import", response_model=ImportRead)
async def import_scenario(
    db: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="scenario folder as .zip, .xlsx or .yaml")],
    dry_run: Annotated[bool, Query(description="validate only; save nothing")] = False,
) -> ImportRead:
    """Replace the planning data with an uploaded scenario, in one transaction (planners).

    An invalid file answers 422 with every problem (file, line or row, field, message) and
    changes nothing. ``dry_run=true`` validates and reports without saving (preview).
    """
    require_role(user, *PLANNERS)
    content = await file.read()
    name = file.filename or "upload"

    def work() -> service.ImportSummary:
        scenario, files = service.parse_upload(name, content, settings.max_unpacked_bytes)
        summary = service.import_scenario(
            db,
            user,
            scenario,
            files,
            sha256=service.file_sha256(content),
            dry_run=dry_run,
            filename=PurePosixPath(name).name or "upload",
        )
        db.flush()
        return summary

    return ImportRead(**asdict(await run_in_threadpool(work)))


@router.get(
    "/export",
    responses={
        200: {
            "content": {
                "application/zip": {},
                "application/yaml": {},
                "application/json": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            }
        }
    },
)
def export_scenario(
    db: SessionDep,
    user: CurrentUser,
    format: Annotated[Literal["zip", "xlsx", "yaml", "csv", "json"], Query()] = "zip",
) -> Response:
    """Download the planning data (planners).

    ``zip``: a scenario folder, ``xlsx``: a workbook, ``yaml``, ``csv``: a scenario folder of
    CSV tables (a zip), ``json``.
    """
    trail = ReadTrail(f"api export {format}")
    content, filename, media = service.export_bytes(db, user, format, trail)
    trail.write(db, user.username)  # the requirements and pledges exported, per label
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
