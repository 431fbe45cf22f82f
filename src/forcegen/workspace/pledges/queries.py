"""Pledge lists: what a user may see, filtered, sorted and paged (the workspace's hottest query).

Access (``access``): planners see every pledge; a liaison or observer their own nation's;
labels hide more (``access.label_visible``), and every row served is checked again.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic_core import to_json
from sqlalchemy import Select, Table, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from forcegen.workspace.access import (
    label_probe,
    label_visible,
    labels_may_hide,
    nation_scope,
)
from forcegen.workspace.accounts import User
from forcegen.workspace.audit.reads import ReadTrail
from forcegen.workspace.labels import LEVELS, decode_releasable
from forcegen.workspace.listing import PageParams, order_by, text_search
from forcegen.workspace.pledges.models import Pledge
from forcegen.workspace.pledges.rows import FIELDS, RAW_COLUMNS, row_dict
from forcegen.workspace.pledges.schemas import PledgeRead
from forcegen.workspace.readers import Reader
from forcegen.workspace.reference import Nation
from forcegen.workspace.requirements.service import capabilities_named

__all__ = ["SORTABLE", "list_page", "list_page_json"]

#: Fields a pledge list may be sorted by.
SORTABLE: dict[str, Any] = {
    "id": Pledge.id,
    "nation": Pledge.nation,
    "capability": Pledge.capability,
    "quantity": Pledge.quantity,
    "personnel": Pledge.personnel,
    "notice_days": Pledge.notice_days,
    "status": Pledge.status,
    "cost": Pledge.cost,
    "updated_at": Pledge.updated_at,
}

_TABLE: Table = Pledge.__table__  # type: ignore[assignment]


def _search(db: Session, text: str | None) -> ColumnElement[bool] | None:
    """Pledges holding ``text`` in their id, name, nation or capability (code or name)."""
    c = _TABLE.c
    own = text_search(text, c.id, c.name, c.nation, c.capability)
    by_nation = text_search(text, Nation.name)
    if own is None or by_nation is None:
        return None
    return or_(
        own,
        c.capability.in_(capabilities_named(db, text or "")),
        c.nation.in_(select(Nation.code).where(by_nation)),
    )


def _filters(
    user: User,
    nation: str | None,
    capability: str | None,
    status: str | None,
    search: ColumnElement[bool] | None = None,
) -> list[ColumnElement[bool]]:
    """The nation scope of ``user`` plus the requested filters, as WHERE conditions."""
    c = _TABLE.c  # table columns: cheaper to build expressions on than ORM attributes
    where: list[ColumnElement[bool]] = []
    scope = nation_scope(user)
    if scope is not None:
        where.append(c.nation == scope)
    if nation:
        where.append(c.nation == nation)
    if capability:
        where.append(c.capability == capability)
    if status:
        where.append(c.status == status)
    if search is not None:
        where.append(search)
    return where


def _scoped(
    db: Session,
    user: User,
    nation: str | None,
    capability: str | None,
    status: str | None,
    search: str | None = None,
) -> tuple[list[ColumnElement[bool]], int]:
    """WHERE conditions for what ``user`` may see with the filters, and how many rows match.

    One statement counts the matches and probes the labels (``access.label_probe``); only if
    a label could hide a row is the label condition added and the count redone with it.
    """
    where = _filters(user, nation, capability, status, _search(db, search))
    top, any_rel, all_open = label_probe(_TABLE)
    # Counted on the table itself (no subquery of the selected columns): an index-only scan.
    stmt = select(func.count(), top, any_rel, all_open).select_from(_TABLE).where(*where)
    total, top_level, releasable, open_ = db.connection().execute(stmt).one()
    if labels_may_hide(user, top_level, releasable, open_):
        where.append(label_visible(user, _TABLE, owner=_TABLE.c.nation))
        total = db.connection().execute(
            select(func.count()).select_from(_TABLE).where(*where)
        ).scalar()
    return where, int(total or 0)


def _page_select(
    columns: list[Any], where: list[ColumnElement[bool]], params: PageParams
) -> Select[Any]:
    # The primary key ends every ordering so that pages are stable (once: a repeated key
    # makes SQLite sort what an index would give in order).
    clauses = order_by(params.sort, SORTABLE, ["id"])
    if not any(_TABLE.c.id.shares_lineage(getattr(c, "element", c)) for c in clauses):
        clauses.append(Pledge.id.asc())
    return (
        select(*columns).where(*where).order_by(*clauses).limit(params.limit).offset(params.offset)
    )


def list_page(
    db: Session,
    user: User,
    params: PageParams,
    *,
    nation: str | None = None,
    capability: str | None = None,
    status: str | None = None,
    search: str | None = None,
    trail: ReadTrail | None = None,
) -> tuple[list[PledgeRead], int]:
    """One page of the pledges ``user`` may see, filtered and sorted (as read models).

    ``search``: text found (case-insensitive) in the id, name, nation code or name, or
    capability code or name. The API serves the same page through :func:`list_page_json`,
    which skips the models. ``trail``: notes the pledges served (``audit.reads``).
    """
    where, total = _scoped(db, user, nation, capability, status, search)
    page = _page_select([_TABLE.c[k] for k in FIELDS], where, params)
    reader = Reader(user)  # rows decided again by the engine, as in list_page_json
    rows = [
        PledgeRead.model_construct(
            **{
                **m,
                "classification": LEVELS[m["classification"]],
                "releasable_to": decode_releasable(m["releasable_to"]),
                "label": json.loads(m["label"]) if m["label"] else None,
            }
        )
        for m in db.execute(page).mappings()
        if reader.sees_row(m, m["nation"])
    ]
    if trail is not None:
        trail.add_rows("pledge", rows, owner_key="nation")
    return rows, total


def list_page_json(
    db: Session,
    user: User,
    params: PageParams,
    *,
    nation: str | None = None,
    capability: str | None = None,
    status: str | None = None,
    search: str | None = None,
    trail: ReadTrail | None = None,
) -> bytes:
    """:func:`list_page` serialized as the API's ``Page[PledgeRead]`` JSON document.

    The workspace's hottest query, so it avoids per-row Python work: plain rows through the
    connection (no ORM loading), the JSON and timestamp columns read as text and converted
    in Python (see ``rows.py``), and the page encoded in one call of pydantic-core's
    serializer, which writes exactly what ``Page[PledgeRead].model_dump_json`` would.
    ``trail``: notes the pledges served (``audit.reads``).
    """
    where, total = _scoped(db, user, nation, capability, status, search)
    page = _page_select(RAW_COLUMNS, where, params)
    rows = db.connection().execute(page).all()
    # Checked again row by row (a few microseconds a page): the SQL filter may have been left
    # out by labels_may_hide, and a label changed since is never served to the wrong reader.
    # The engine decides each distinct label once (Reader remembers it).
    reader = Reader(user)
    served = [r for r in rows if reader.sees_row(r._mapping, r.nation)]
    if trail is not None:
        trail.add_rows("pledge", (r._mapping for r in served), owner_key="nation")
    items = [row_dict(r) for r in served]
    return to_json({"items": items, "total": total, "limit": params.limit, "offset": params.offset})
