"""Download buttons: a run's plan and the scenario as files, and a table as CSV.

The files are the workspace's own exports (``runs.export.plan_export``,
``scenarios.service.export_bytes``): the same access and label rules as the API, built in
memory. A table's CSV holds exactly the rows its page would list with the same filters.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from fastapi.responses import Response

from forcegen.scenario.xlsx_style import safe_text
from forcegen.web.core import HTMLRoute, PageDep
from forcegen.workspace.api.deps import SessionDep
from forcegen.workspace.audit.reads import ReadTrail, record_reads
from forcegen.workspace.runs import service as runs
from forcegen.workspace.runs.export import plan_export
from forcegen.workspace.scenarios import service as scenarios

__all__ = ["csv_download", "download", "router"]

router = APIRouter(route_class=HTMLRoute)

RunId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def download(content: bytes, filename: str, media: str) -> Response:
    """``content`` as a file the browser saves (never shown inline, never cached)."""
    return Response(content, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    })


def csv_download(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A table as a CSV file (UTF-8 with a byte-order mark, so spreadsheets read accents).

    Text a spreadsheet would run as a formula is written behind a ``'``, as in every export.
    """
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else safe_text(v) for v in row])
    return download(("\ufeff" + buf.getvalue()).encode(), filename, "text/csv; charset=utf-8")


@router.get("/runs/{run_id}/download/{fmt}")
def plan_download(
    db: SessionDep, page: PageDep, run_id: RunId, fmt: Literal["xlsx", "csv", "json"]
) -> Response:
    """A finished run's plan as the user may see it: workbook, CSV tables (zip) or JSON."""
    content = plan_export(db, page.user, run_id, fmt)  # 404 when hidden or without a plan
    record_reads(db, page.user.username, f"web export {fmt}", "sourcing_run",
                 [runs.get(db, page.user, run_id)])
    return download(*content)


@router.get("/scenario/download/{fmt}")
def scenario_download(
    db: SessionDep, page: PageDep, fmt: Literal["xlsx", "csv", "json", "zip", "yaml"]
) -> Response:
    """The planning data the user may see as a scenario file (planners, as the API)."""
    trail = ReadTrail(f"web export {fmt}")
    content = scenarios.export_bytes(db, page.user, fmt, trail)
    trail.write(db, page.user.username)  # the requirements and pledges exported, per label
    return download(*content)
