"""Database rows as scenario records: the one place a row becomes a record.

A record is the row's columns under the scenario file's field names (``docs/scenario.md``),
``None`` left out, extension keys merged in and the label columns as the ``x-classification``
and ``x-releasable-to`` keys. The export writes records to files; the run validates each one
into its core model (``runnable.py``). Both read the same rows in the same order (by id).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forcegen.workspace import labels
from forcegen.workspace.access import LabelScope
from forcegen.workspace.audit import service as audit
from forcegen.workspace.pledges.models import Pledge
from forcegen.workspace.reference import Nation, WorkspaceMeta
from forcegen.workspace.requirements.models import CatalogEntry, Requirement, Sector
from forcegen.workspace.scenarios import files as files_mod

__all__ = [
    "FILE_KEYS",
    "SECTION_RECORDS",
    "X_CLASSIFICATION",
    "X_RELEASABLE",
    "meta_record",
    "section_records",
    "stored_files",
]

#: Scenario-file extension keys carrying a requirement's or pledge's label.
X_CLASSIFICATION = "x-classification"
X_RELEASABLE = "x-releasable-to"
FILE_KEYS = ("network", "nodes", "costs")
#: The sections read from rows, in the order of a scenario file.
SECTION_RECORDS = ("nations", "catalog", "sectors", "requirements", "pledges")
# Bookkeeping columns no scenario file carries.
_SKIP = (
    "version",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "status_changed_at",
    "status_changed_by",
)


def _clean(d: dict[str, Any], drop: tuple[str, ...] = ()) -> dict[str, Any]:
    extra = d.pop("extra", None) or {}
    out = {k: v for k, v in d.items() if v is not None and k not in drop}
    out.update(extra)
    return out


def _labelled(row: dict[str, Any]) -> dict[str, Any]:
    """Label columns as the scenario file's extension keys (left out when the default)."""
    rank = row.pop("classification", 0) or 0
    rel = row.pop("releasable_to", None)
    if rank:
        row[X_CLASSIFICATION] = labels.level_name(rank)
    if rel is not None:
        row[X_RELEASABLE] = labels.decode_releasable(rel)
    return row


def _nation(n: Nation) -> dict[str, Any]:
    row = _clean(audit.snapshot(n), ("ceiling_personnel",))
    if not row.get("groups"):
        row.pop("groups", None)
    if n.ceiling_personnel is not None:
        row["ceiling"] = {"personnel": n.ceiling_personnel}
    return row


def _sector(s: Sector) -> dict[str, Any]:
    row = _clean(audit.snapshot(s), ("lon", "lat"))
    if s.lon is not None and s.lat is not None:
        row["at"] = [s.lon, s.lat]
    return row


def section_records(
    db: Session, reader: LabelScope | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Every section's records in id order (nations and capability types by code).

    With ``reader``, only the requirements and pledges in its label scope; without, all of
    them (for system use: tests, backups).
    """
    reqs = select(Requirement).order_by(Requirement.id)
    pledges = select(Pledge).order_by(Pledge.id)
    if reader is not None:
        reqs = reqs.where(reader.clause(Requirement.__table__))
        pledges = pledges.where(reader.clause(Pledge.__table__, Pledge.__table__.c.nation))
    return {
        "nations": [_nation(n) for n in db.scalars(select(Nation).order_by(Nation.code))],
        "catalog": [
            _clean(audit.snapshot(c))
            for c in db.scalars(select(CatalogEntry).order_by(CatalogEntry.code))
        ],
        "sectors": [_sector(s) for s in db.scalars(select(Sector).order_by(Sector.id))],
        "requirements": [_labelled(_clean(audit.snapshot(r), _SKIP)) for r in db.scalars(reqs)],
        "pledges": [_labelled(_clean(audit.snapshot(p), _SKIP)) for p in db.scalars(pledges)],
    }


def meta_record(db: Session) -> dict[str, Any]:
    """The scenario's own settings (``forcegen``, name, currency, depot sites, side-table names,
    extension keys), side tables under their fixed names (``network.csv``)."""
    meta = {m.key: m.value for m in db.scalars(select(WorkspaceMeta))}
    meta.pop("files", None)
    doc: dict[str, Any] = {
        "forcegen": 1,
        "name": meta.pop("name", "workspace"),
        "currency": meta.pop("currency", "EUR"),
    }
    doc.update(meta)
    # Side tables go by fixed names whatever name was stored: a name that came from a file is
    # data, and one planted in the database must not stop every run.
    for key in FILE_KEYS:
        if isinstance(doc.get(key), str):
            doc[key] = files_mod.fixed_name(key, doc[key])
    return doc


def stored_files(db: Session) -> dict[str, str]:
    """The side tables (network, nodes, costs) kept from the last import, by fixed name."""
    row = db.get(WorkspaceMeta, "files")
    files = dict(row.value or {}) if row is not None else {}
    out: dict[str, str] = {}
    for key in FILE_KEYS:
        ref = db.get(WorkspaceMeta, key)
        if ref is not None and isinstance(ref.value, str) and ref.value in files:
            out[files_mod.fixed_name(key, ref.value)] = files[ref.value]
    return out

