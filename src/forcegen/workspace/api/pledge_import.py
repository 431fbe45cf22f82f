"""``/api/v1/pledges/import``: merge a pledge table by id, previewed first (``scenarios.merge``).

``dry_run=true`` answers what the merge would do and its ``preview`` binding, saving nothing;
the same upload sent again with ``preview=<binding>`` applies it in one transaction, or answers
409 if anything it touches changed since (preview again).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from starlette.concurrency import run_in_threadpool

from forcegen.workspace.api.deps import CurrentUser, SessionDep
from forcegen.workspace.errors import Invalid
from forcegen.workspace.scenarios import merge

__all__ = ["router"]

router = APIRouter(prefix="/pledges", tags=["pledges"])


@router.post("/import")
async def import_pledges(
    db: SessionDep,
    user: CurrentUser,
    file: Annotated[UploadFile, File(description="pledges.csv or a workbook's pledges sheet")],
    dry_run: Annotated[bool, Query(description="preview only; save nothing")] = False,
    preview: Annotated[
        str | None,
        Query(max_length=64, pattern="^[0-9a-f]{64}$",
              description="the preview's binding; required to apply"),
    ] = None,
    replace: Annotated[
        str | None,
        Query(pattern="^[A-Za-z]{3}$",
              description="also remove this nation's pledges the table does not list"),
    ] = None,
) -> dict[str, Any]:
    """Merge pledges by id (planners; a liaison their own nation's): added, changed, removed.

    Every invalid row is named by line and field (422) and nothing is saved.
    """
    content = await file.read()
    name = file.filename or "pledges.csv"
    if not dry_run and preview is None:
        raise Invalid("preview the merge first (dry_run=true), then send its preview value",
                      field="preview")

    def work() -> dict[str, Any]:
        if dry_run:
            return merge.preview_merge(db, user, name, content, replace).to_dict()
        assert preview is not None
        result = merge.apply_merge(db, user, name, content, replace, preview)
        db.flush()
        return result.to_dict()

    return await run_in_threadpool(work)
