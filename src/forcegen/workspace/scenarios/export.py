"""The workspace as a scenario file (zip folder, workbook or single YAML), built in memory."""

from __future__ import annotations

import json
from typing import Any

import yaml
from sqlalchemy.orm import Session

from forcegen.workspace.access import PLANNERS, LabelScope, clearance_of, require_role
from forcegen.workspace.accounts import User
from forcegen.workspace.audit.reads import ReadTrail
from forcegen.workspace.scenarios import files as files_mod
from forcegen.workspace.scenarios.records import meta_record, section_records, stored_files

__all__ = ["EXPORT_FORMATS", "export_bytes", "to_dict"]

EXPORT_FORMATS = ("zip", "xlsx", "yaml", "csv", "json")


def to_dict(db: Session, reader: LabelScope | None = None, trail: ReadTrail | None = None
            ) -> dict[str, Any]:
    """The workspace's planning data as a dict shaped like ``scenario.yaml`` (all inline).

    With ``reader``, only the requirements and pledges in its label scope; without, all of
    them (for system use: tests, backups). Runs do not use it: they build the
    :class:`~forcegen.scenario.Scenario` from the rows (``runnable.py``). ``trail``: notes
    the requirements and pledges given (``audit.reads``).
    """
    meta = meta_record(db)
    doc = {k: meta.pop(k) for k in ("forcegen", "name", "currency")}
    doc.update(section_records(db, reader, trail))
    doc.update(meta)
    return {k: v for k, v in doc.items() if v not in ([], None)}


def export_bytes(db: Session, user: User, fmt: str, trail: ReadTrail | None = None
                 ) -> tuple[bytes, str, str]:
    """The workspace as a file: ``(content, filename, media type)`` (planners).

    ``zip``: a scenario folder (``scenario.yaml`` + referenced files), ``xlsx``: one sheet per
    section, ``yaml``: a single ``scenario.yaml`` with every section inline, ``csv``: a
    scenario folder with every table as a CSV file, ``json``: the ``yaml`` document as JSON.
    Built in memory under fixed names (``files.py``). ``trail``: notes the requirements and
    pledges exported (``audit.reads``).
    """
    require_role(user, *PLANNERS)
    reader = LabelScope(user, clearance_of(user))
    doc = to_dict(db, reader, trail)
    if fmt == "yaml":
        text_ = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
        return text_.encode(), "scenario.yaml", "application/yaml"
    if fmt == "json":
        text_ = json.dumps(doc, indent=1, ensure_ascii=False, default=str)
        return text_.encode(), "scenario.json", "application/json"
    if fmt == "csv":
        content = files_mod.export_csv_zip(doc, stored_files(db))
        return content, "scenario-csv.zip", "application/zip"
    if fmt == "xlsx":
        return (
            files_mod.export_xlsx(doc, stored_files(db)),
            "scenario.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    return files_mod.export_zip(doc, stored_files(db)), "scenario.zip", "application/zip"
