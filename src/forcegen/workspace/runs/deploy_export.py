"""A deployment run's plan as a file to download: workbook, CSV force list, JSON; in memory.

The plan is the one the reader may see (:func:`.deploy_service.scoped`, exactly what the API
sends them); every file carries the run's marking.
"""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from forcegen.workspace.accounts import User
from forcegen.workspace.errors import Invalid, NotFound
from forcegen.workspace.labels import marking
from forcegen.workspace.runs.deploy_service import get, scoped

__all__ = ["DEPLOYMENT_FORMATS", "deployment_export"]

#: Download formats: the deployment workbook, the time-phased force list (CSV), the JSON.
DEPLOYMENT_FORMATS = ("xlsx", "csv", "json")
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def deployment_export(db: Session, user: User, run_id: int, fmt: str) -> tuple[bytes, str, str]:
    """The plan of deployment run ``run_id`` as ``user`` may see it: (content, name, type).

    A hidden run, and a run without a plan (queued, running, failed), are "not found".
    """
    if fmt not in DEPLOYMENT_FORMATS:
        raise Invalid(
            f"unknown format {fmt!r}; expected one of: {', '.join(DEPLOYMENT_FORMATS)}",
            field="format",
        )
    run = get(db, user, run_id)
    doc = scoped(user, run)
    if doc is None:
        raise NotFound("deployment plan")
    mark = marking(run.classification, run.releasable_to)
    stem = f"deployment-{run.id}"
    if fmt == "json":
        body = {"run": run.id, "marking": mark, **doc}
        return json.dumps(body, indent=1).encode(), f"{stem}.json", "application/json"
    if fmt == "csv":
        from forcegen.deployment.tables import tpfdd_csv_text

        # The marking in a column of every row: a comment line above the header broke
        # spreadsheet and pandas readers (the pledge table's CSV does the same).
        text = tpfdd_csv_text(doc["movements"], marking=mark)
        return ("\ufeff" + text).encode(), f"{stem}-tpfdd.csv", "text/csv; charset=utf-8"
    from forcegen.deployment.workbook import deployment_xlsx_bytes

    return (
        deployment_xlsx_bytes(doc, f"workspace deployment run {run.id}", marking=mark),
        f"{stem}.xlsx",
        _XLSX,
    )
