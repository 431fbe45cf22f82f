"""A run's plan as a file to download (workbook, zip of CSV tables, JSON), built in memory.

The plan is the one the reader may see (:func:`forcegen.workspace.runs.service.result_for`,
exactly what the API sends them); the names printed beside ids come only from records the
reader may see. Every file carries the run's marking.
"""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from forcegen.report.plan_tables import plan_csv_zip
from forcegen.report.plan_xlsx import plan_xlsx_bytes
from forcegen.workspace.accounts import User
from forcegen.workspace.errors import Invalid, NotFound
from forcegen.workspace.labels import marking
from forcegen.workspace.listing import every_row
from forcegen.workspace.nations import service as nations
from forcegen.workspace.pledges import service as pledges
from forcegen.workspace.requirements import service as requirements
from forcegen.workspace.runs.results import to_json
from forcegen.workspace.runs.service import get, result_for

__all__ = ["PLAN_FORMATS", "plan_export", "visible_names"]

#: Download formats of a plan: the workbook, a zip of CSV tables, the API's JSON document.
PLAN_FORMATS = ("xlsx", "csv", "json")
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"



def visible_names(db: Session, user: User) -> dict[str, str]:
    """Names of the nations, sectors, requirements and pledges ``user`` may see, by id."""
    out = {n.code: n.name for n in nations.list_all(db, user) if n.name}
    out.update({s.id: s.name for s in requirements.list_sectors(db) if s.name})
    for group in (
        every_row(lambda p: requirements.list_page(db, user, p)),
        every_row(lambda p: pledges.list_page(db, user, p)),
    ):
        out.update({r.id: r.name for r in group if r.name})
    return out


def plan_export(db: Session, user: User, run_id: int, fmt: str) -> tuple[bytes, str, str]:
    """The plan of run ``run_id`` as ``user`` may see it: ``(content, filename, media type)``.

    Every role may download a run it may see; a hidden run is "not found", a run without a
    plan (queued, running, failed) too.
    """
    if fmt not in PLAN_FORMATS:
        raise Invalid(f"unknown format {fmt!r}; expected one of: {', '.join(PLAN_FORMATS)}",
                      field="format")
    run = get(db, user, run_id)
    result = result_for(user, run) if run.state == "done" else None
    if result is None:
        raise NotFound("plan")
    mark = marking(run.classification, run.releasable_to)
    stem = f"run-{run.id}-plan"
    if fmt == "json":
        doc = {"run": run.id, "marking": mark, **to_json(result)}
        return json.dumps(doc, indent=1).encode(), f"{stem}.json", "application/json"
    names = visible_names(db, user)
    if fmt == "xlsx":
        return plan_xlsx_bytes(result.plan, names, marking=mark), f"{stem}.xlsx", _XLSX
    notes = {"MARKING.txt": f"{mark}\nSourcing run {run.id}: every file in this folder.\n"}
    content = plan_csv_zip(result.plan, names, folder=stem, notes=notes)
    return content, f"{stem}-csv.zip", "application/zip"
