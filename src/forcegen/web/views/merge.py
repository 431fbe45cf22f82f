"""Update pledges from a table (``pledges.csv`` or a workbook's pledges sheet), merged by id.

Upload and preview (nothing saved): pledges added, changed field by field (old -> new) and,
when asked to replace a nation's pledges, removed. Confirm applies exactly what was previewed:
the form carries the preview's binding (``scenarios.merge``), so a preview made stale by another
change is refused with 409 and nothing is applied. The upload itself is kept in memory for the
same user only, as the scenario import does.
"""

from __future__ import annotations

import secrets
from pathlib import PurePath
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from forcegen.exceptions import InputError
from forcegen.web.core import HTMLRoute, Page, PageDep, render, see_other, templates
from forcegen.web.views.uploads import Upload, upload_problems, uploads
from forcegen.workspace.access import require_role
from forcegen.workspace.api.deps import SessionDep
from forcegen.workspace.errors import Conflict
from forcegen.workspace.pledges.service import EDITORS
from forcegen.workspace.reference import Nation
from forcegen.workspace.scenarios import merge

__all__ = ["preview_response", "router"]

router = APIRouter(route_class=HTMLRoute)

_CHOICE = r"^(|[A-Za-z]{3})$"


def _cell(value: Any) -> str:
    """A pledge field's value as the preview shows it (as a table cell would hold it)."""
    if value is None or value == {} or value == []:
        return "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_cell(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    return str(value)


templates.env.filters["merge_cell"] = _cell


def _nations(db: Session, page: Page) -> list[str]:
    """The nations whose pledges the user may replace (a liaison: their own)."""
    if page.planner:
        return list(db.scalars(select(Nation.code).order_by(Nation.code)))
    return [page.user.nation] if page.user.nation else []


@router.get("/import/pledges", response_class=HTMLResponse)
def merge_form(request: Request, db: SessionDep, page: PageDep) -> HTMLResponse:
    """Choose a pledge table to merge (planners; liaisons for their own nation)."""
    require_role(page.user, *EDITORS)
    return render(request, "import_pledges.html", {"nations": _nations(db, page)})


async def preview_response(
    request: Request, db: SessionDep, page: Page, name: str, content: bytes, replace: str | None
) -> Response:
    """The preview page of a merge, or its problems.

    Shared with the scenario import page, which hands a ``.csv`` upload here.
    """

    def check() -> merge.MergePreview:
        return merge.preview_merge(db, page.user, name, content, replace)

    ctx: dict[str, Any] = {"filename": name, "nations": _nations(db, page), "replace": replace}
    try:
        preview = await run_in_threadpool(check)
    except InputError as exc:
        return render(request, "import_pledges.html", {**ctx, "problems": upload_problems(exc)},
                      422)
    token = secrets.token_urlsafe(24)
    kept = uploads(request, "web_pledge_uploads")
    kept[token] = Upload(page.user.id, name, content, replace)
    return render(request, "import_pledges.html", {**ctx, "preview": preview, "token": token})


@router.post("/import/pledges", response_class=HTMLResponse)
async def merge_preview(
    request: Request,
    db: SessionDep,
    page: PageDep,
    file: UploadFile,
    replace: Annotated[str, Form(pattern=_CHOICE)] = "",
) -> Response:
    """Check the table and show what would change. Saves nothing."""
    require_role(page.user, *EDITORS)
    content = await file.read()
    code = replace.upper() or None  # another nation's: the service answers 403
    return await preview_response(request, db, page, file.filename or "pledges.csv", content,
                                  code)


@router.post("/import/pledges/confirm", response_class=HTMLResponse)
async def merge_confirm(
    request: Request,
    db: SessionDep,
    page: PageDep,
    token: Annotated[str, Form(max_length=100)],
    preview: Annotated[str, Form(pattern=r"^[0-9a-f]{64}$")],
) -> Response:
    """Apply the previewed merge in one transaction, or refuse a stale preview (409)."""
    require_role(page.user, *EDITORS)
    kept = uploads(request, "web_pledge_uploads").get(token)
    if kept is None or kept.user_id != page.user.id:
        ctx = {"expired": True, "nations": _nations(db, page)}
        return render(request, "import_pledges.html", ctx, 410)

    def work() -> merge.MergePreview:
        done = merge.apply_merge(db, page.user, kept.filename, kept.content, kept.replace,
                                 preview)
        db.flush()
        return done

    try:
        done = await run_in_threadpool(work)
    except (InputError, Conflict) as exc:
        db.rollback()
        stale = isinstance(exc, Conflict)
        ctx = {"filename": kept.filename, "nations": _nations(db, page), "stale": stale,
               "problems": [] if stale else upload_problems(exc)}  # type: ignore[arg-type]
        return render(request, "import_pledges.html", ctx, 409 if stale else 422)
    request.app.state.web_pledge_uploads.pop(token, None)
    return see_other(
        "/pledges",
        f"Merged {PurePath(kept.filename).name}: {len(done.added)} added, "
        f"{len(done.changed)} changed, {len(done.removed)} removed.",
    )
