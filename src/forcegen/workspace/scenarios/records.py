"""Database rows as scenario records: the one place a row becomes a record.

A record is the row's columns under the scenario file's field names (``docs/scenario.md``),
``None`` left out, extension keys merged in and the label columns as the ``x-classification``
and ``x-releasable-to`` keys. The export writes records to files; the run validates each one
into its core model (``runnable.py``). Both read the same rows in the same order (by id).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from forcegen.labels.label import label_to_json
from forcegen.labels.legacy import legacy_to_label
from forcegen.workspace import labels
from forcegen.workspace.access import LabelScope
from forcegen.workspace.audit.reads import ReadTrail
from forcegen.workspace.label_store import LABEL_COLUMNS, policies, row_label
from forcegen.workspace.pledges.models import Pledge
from forcegen.workspace.readers import Reader
from forcegen.workspace.reference import Nation, WorkspaceMeta
from forcegen.workspace.requirements.models import CatalogEntry, Requirement, Sector
from forcegen.workspace.scenarios import files as files_mod

__all__ = [
    "FILE_KEYS",
    "SECTION_RECORDS",
    "X_CLASSIFICATION",
    "X_LABEL",
    "X_RELEASABLE",
    "meta_record",
    "section_records",
    "stored_files",
]

#: Scenario-file extension keys carrying a requirement's or pledge's label.
X_CLASSIFICATION = "x-classification"
X_RELEASABLE = "x-releasable-to"
#: The full label (STANAG 4774 JSON form) when the two keys above cannot say it all.
X_LABEL = "x-label"
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


def _labelled(row: dict[str, Any], owner: str | None = None) -> dict[str, Any]:
    """Label columns as the scenario file's extension keys (left out when the default).

    The default policy's view as ``x-classification`` and ``x-releasable-to``; the full label
    as ``x-label`` too when the view cannot say it all (another policy, caveats, groups).
    """
    stored = {k: row.pop(k, None) for k in LABEL_COLUMNS}
    rank = row.pop("classification", 0) or 0
    rel = row.pop("releasable_to", None)
    if rank:
        row[X_CLASSIFICATION] = labels.level_name(rank)
    if rel is not None:
        row[X_RELEASABLE] = labels.decode_releasable(rel)
    if stored["label"]:
        label = row_label(stored)
        if label != legacy_to_label(rank, rel, row.get(owner) if owner else None,
                                    policies()):
            row[X_LABEL] = label_to_json(label)
    return row


def _plain(value: Any) -> Any:
    """A column value as its JSON form would read back (dates as ISO text, keys sorted).

    As the audit trail's snapshot gives it, without encoding and parsing JSON for every row.
    """
    if isinstance(value, dict):
        return {k: _plain(value[k]) for k in sorted(value)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return str(value)
    return value


def _rows(db: Session, table: Table, order: Any, where: Any = None) -> list[dict[str, Any]]:
    """Every row of ``table`` as a record: columns by name (sorted), in ``order``.

    Read as plain rows, not ORM objects: a run reads every pledge and needs no identity map.
    """
    stmt = select(table).order_by(order)
    if where is not None:
        stmt = stmt.where(where)
    return [
        {k: _plain(row[k]) for k in sorted(row.keys()) if k not in _SKIP}
        for row in db.execute(stmt).mappings()
    ]


def _nation(row: dict[str, Any]) -> dict[str, Any]:
    ceiling = row.get("ceiling_personnel")
    row = _clean(row, ("ceiling_personnel",))
    if not row.get("groups"):
        row.pop("groups", None)
    if ceiling is not None:
        row["ceiling"] = {"personnel": ceiling}
    return row


def _sector(row: dict[str, Any]) -> dict[str, Any]:
    lon, lat = row.get("lon"), row.get("lat")
    row = _clean(row, ("lon", "lat"))
    if lon is not None and lat is not None:
        row["at"] = [lon, lat]
    return row


def _admitted(
    scope: LabelScope | None, rows: list[dict[str, Any]], owner: str | None = None
) -> list[dict[str, Any]]:
    """The rows the labels engine releases within ``scope`` (the SQL scope pre-filtered)."""
    if scope is None:
        return rows
    reader = Reader(scope.user)
    return [r for r in rows if scope.admits(reader, r, r.get(owner) if owner else None)]


def section_records(
    db: Session, reader: LabelScope | None = None, trail: ReadTrail | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Every section's records in id order (nations and capability types by code).

    With ``reader``, only the requirements and pledges in its label scope; without, all of
    them (for system use: tests, backups). ``trail``: notes the requirements and pledges
    given (``audit.reads``).
    """
    req_t, pledge_t = Requirement.__table__, Pledge.__table__
    assert isinstance(req_t, Table) and isinstance(pledge_t, Table)
    req_where = pledge_where = None
    if reader is not None:
        req_where = reader.clause(req_t)
        pledge_where = reader.clause(pledge_t, pledge_t.c.nation)
    nation_t, cat_t, sector_t = Nation.__table__, CatalogEntry.__table__, Sector.__table__
    assert isinstance(nation_t, Table) and isinstance(cat_t, Table)
    assert isinstance(sector_t, Table)
    reqs = _admitted(reader, _rows(db, req_t, req_t.c.id, req_where))
    pledges = _admitted(reader, _rows(db, pledge_t, pledge_t.c.id, pledge_where), "nation")
    if trail is not None:  # before _labelled turns the label columns into extension keys
        trail.add_rows("requirement", reqs)
        trail.add_rows("pledge", pledges, owner_key="nation")
    return {
        "nations": [_nation(r) for r in _rows(db, nation_t, nation_t.c.code)],
        "catalog": [_clean(r) for r in _rows(db, cat_t, cat_t.c.code)],
        "sectors": [_sector(r) for r in _rows(db, sector_t, sector_t.c.id)],
        "requirements": [_labelled(_clean(r)) for r in reqs],
        "pledges": [_labelled(_clean(r), "nation") for r in pledges],
    }


def meta_record(db: Session) -> dict[str, Any]:
    """The scenario's own settings, side tables named by their fixed names.

    ``forcegen``, name, currency, depot sites, side-table names (``network.csv`` whatever name
    was stored) and extension keys.
    """
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

