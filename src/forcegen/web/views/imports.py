"""Scenario import in two steps: upload and preview (nothing saved), then confirm.

The upload is checked by ``scenarios.service.parse_upload`` (table names checked first, then
unpacked under fixed names in a private temporary folder removed before it returns) and a
dry-run import. Every problem is
listed with file, line or row, field and message. A clean file is kept in memory for half an
hour under a random token, for the same user only, until they confirm.
"""

from __future__ import annotations

import secrets
from pathlib import PurePath
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from forcegen.exceptions import InputError
from forcegen.web.core import HTMLRoute, PageDep, render, see_other
from forcegen.web.views import merge as merge_views
from forcegen.web.views.uploads import Upload, upload_problems, uploads
from forcegen.workspace.access import PLANNERS, require_role
from forcegen.workspace.api.deps import SessionDep, SettingsDep
from forcegen.workspace.scenarios import service as scenarios
from forcegen.workspace.scenarios.pledge_table import is_pledge_table

__all__ = ["router"]

router = APIRouter(route_class=HTMLRoute)



@router.get("/import", response_class=HTMLResponse)
def import_form(request: Request, page: PageDep) -> HTMLResponse:
    """Choose a scenario file (planners)."""
    require_role(page.user, *PLANNERS)
    return render(request, "import.html", {})


@router.post("/import", response_class=HTMLResponse)
async def preview(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    page: PageDep,
    file: UploadFile,
) -> Response:
    """Validate the upload and show what would be imported, or every problem. Saves nothing."""
    require_role(page.user, *PLANNERS)
    content = await file.read()
    name = file.filename or "upload"
    if is_pledge_table(name, content):  # a pledge table updates pledges; it is no scenario
        return await merge_views.preview_response(request, db, page, name, content, None)

    def check() -> Any:
        scenario, files = scenarios.parse_upload(name, content, settings.max_unpacked_bytes)
        return scenarios.import_scenario(
            db,
            page.user,
            scenario,
            files,
            sha256=scenarios.file_sha256(content),
            dry_run=True,
            filename=PurePath(name).name or "upload",
        )

    try:
        summary = await run_in_threadpool(check)
    except InputError as exc:
        problems = upload_problems(exc)
        return render(request, "import.html", {"filename": name, "problems": problems}, 422)
    token = secrets.token_urlsafe(24)
    uploads(request, "web_uploads")[token] = Upload(page.user.id, name, content)
    return render(request, "import.html", {"filename": name, "summary": summary, "token": token})


@router.post("/import/confirm", response_class=HTMLResponse)
async def confirm(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    page: PageDep,
    token: Annotated[str, Form(max_length=100)],
) -> Response:
    """Replace the planning data with the previewed file, in one transaction."""
    require_role(page.user, *PLANNERS)
    upload = uploads(request, "web_uploads").get(token)
    if upload is None or upload.user_id != page.user.id:
        return render(
            request, "import.html",
            {"expired": True}, 410,
        )

    def work() -> Any:
        scenario, files = scenarios.parse_upload(
            upload.filename, upload.content, settings.max_unpacked_bytes
        )
        summary = scenarios.import_scenario(
            db,
            page.user,
            scenario,
            files,
            sha256=scenarios.file_sha256(upload.content),
            filename=PurePath(upload.filename).name or "upload",
        )
        db.flush()
        return summary

    try:
        summary = await run_in_threadpool(work)
    except InputError as exc:
        db.rollback()
        problems = upload_problems(exc)
        ctx = {"filename": upload.filename, "problems": problems}
        return render(request, "import.html", ctx, 422)
    request.app.state.web_uploads.pop(token, None)
    return see_other(
        "/",
        f"Imported {summary.name}: {summary.requirements} requirement lines, "
        f"{summary.pledges} pledges.",
    )
