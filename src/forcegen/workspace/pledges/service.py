"""Pledges: scoped queries, changes with optimistic locking, the approval workflow, totals.

Access (see ``access.py``): planners act on every pledge; a liaison creates, edits and moves
through approval their own nation's pledges only; an observer only reads their own nation's.
Another nation's pledge is "not found" for a liaison or observer; they see others only through
:func:`totals`.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic_core import to_json
from sqlalchemy import BigInteger, Select, Table, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from forcegen.workspace.access import (
    LIAISON,
    PLANNERS,
    can_see_label,
    can_see_nation,
    checked_label,
    clearance_of,
    id_taken,
    label_probe,
    label_visible,
    labels_may_hide,
    nation_scope,
    relabel,
    require_role,
)
from forcegen.workspace.accounts import User
from forcegen.workspace.audit import service as audit
from forcegen.workspace.database import utcnow
from forcegen.workspace.errors import Conflict, Forbidden, Invalid, NotFound
from forcegen.workspace.labels import LEVELS, decode_releasable, may_see
from forcegen.workspace.listing import PageParams, order_by
from forcegen.workspace.pledges.models import Pledge
from forcegen.workspace.pledges.rows import FIELDS, RAW_COLUMNS, row_dict
from forcegen.workspace.pledges.schemas import (
    TRANSITIONS,
    PledgeCreate,
    PledgeRead,
    PledgeStatusChange,
    PledgeTotal,
    PledgeUpdate,
)
from forcegen.workspace.reference import Nation, WorkspaceMeta, node_ids, one_of
from forcegen.workspace.requirements.service import check_capability, check_sectors

__all__ = [
    "EDITORS",
    "GROUPABLE",
    "SORTABLE",
    "change_status",
    "check_id_scope",
    "create",
    "delete",
    "get",
    "id_nation",
    "list_page",
    "list_page_json",
    "totals",
    "update",
]

#: Roles that may change pledges (a liaison only their own nation's).
EDITORS: tuple[str, ...] = (*PLANNERS, LIAISON)

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
GROUPABLE: dict[str, Any] = {
    "nation": Pledge.nation,
    "capability": Pledge.capability,
    "status": Pledge.status,
}


_TABLE: Table = Pledge.__table__  # type: ignore[assignment]


def _filters(
    user: User, nation: str | None, capability: str | None, status: str | None
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
    return where


def _scoped(
    db: Session, user: User, nation: str | None, capability: str | None, status: str | None
) -> tuple[list[ColumnElement[bool]], int]:
    """WHERE conditions for what ``user`` may see with the filters, and how many rows match.

    One statement counts the matches and probes the labels (``access.label_probe``); only if
    a label could hide a row is the label condition added and the count redone with it.
    """
    where = _filters(user, nation, capability, status)
    top, any_rel = label_probe(_TABLE)
    # Counted on the table itself (no subquery of the selected columns): an index-only scan.
    stmt = select(func.count(), top, any_rel).select_from(_TABLE).where(*where)
    total, top_level, releasable = db.connection().execute(stmt).one()
    if labels_may_hide(user, top_level, releasable):
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
) -> tuple[list[PledgeRead], int]:
    """One page of the pledges ``user`` may see, filtered and sorted (as read models).

    The API serves the same page through :func:`list_page_json`, which skips the models.
    """
    where, total = _scoped(db, user, nation, capability, status)
    page = _page_select([_TABLE.c[k] for k in FIELDS], where, params)
    clearance, own = clearance_of(user), user.nation  # rows checked again, as list_page_json
    rows = [
        PledgeRead.model_construct(
            **{
                **m,
                "classification": LEVELS[m["classification"]],
                "releasable_to": decode_releasable(m["releasable_to"]),
            }
        )
        for m in db.execute(page).mappings()
        if may_see(clearance, own, m["classification"], m["releasable_to"], m["nation"])
    ]
    return rows, total


def list_page_json(
    db: Session,
    user: User,
    params: PageParams,
    *,
    nation: str | None = None,
    capability: str | None = None,
    status: str | None = None,
) -> bytes:
    """:func:`list_page` serialized as the API's ``Page[PledgeRead]`` JSON document.

    The workspace's hottest query, so it avoids per-row Python work: plain rows through the
    connection (no ORM loading), the JSON and timestamp columns read as text and converted
    in Python (see ``rows.py``), and the page encoded in one call of pydantic-core's
    serializer, which writes exactly what ``Page[PledgeRead].model_dump_json`` would.
    """
    where, total = _scoped(db, user, nation, capability, status)
    page = _page_select(RAW_COLUMNS, where, params)
    rows = db.connection().execute(page).all()
    # Checked again row by row (a few microseconds a page): the SQL filter may have been left
    # out by labels_may_hide, and a label changed since is never served to the wrong reader.
    clearance, own = clearance_of(user), user.nation
    items = [
        row_dict(r)
        for r in rows
        if may_see(clearance, own, r.classification, r.releasable_to, r.nation)
    ]
    return to_json({"items": items, "total": total, "limit": params.limit, "offset": params.offset})


def get(db: Session, user: User, pledge_id: str) -> Pledge:
    """One pledge ``user`` may see, or 404 (also when it exists but is hidden)."""
    row = db.get(Pledge, pledge_id)
    if (
        row is None
        or not can_see_nation(user, row.nation)
        or not can_see_label(user, row, row.nation)
    ):
        raise NotFound("pledge")
    return row


def _editable(db: Session, user: User, pledge_id: str, version: int) -> Pledge:
    require_role(user, *EDITORS)
    row = get(db, user, pledge_id)
    if row.version != version:
        raise Conflict(
            f"version {version} is out of date; the pledge is now at version {row.version}",
            field="version",
            current=PledgeRead.model_validate(row).model_dump(mode="json"),
        )
    return row


#: A pledge id's nation namespace: ``FRA-...`` or ``P-FRA-...``.
_ID_SCOPE = re.compile(r"^(?:P-)?([A-Z]{3})-")


def id_nation(pledge_id: str) -> str | None:
    """The nation whose namespace ``pledge_id`` is in, if it names one."""
    m = _ID_SCOPE.match(pledge_id)
    return m.group(1) if m else None


def check_id_scope(pledge_id: str, nation: str) -> None:
    """422 unless a new pledge's id is in its nation's namespace (``FRA-...``, ``P-FRA-...``).

    Pledge ids are scoped by nation so that creating one never collides with another nation's
    pledge: a liaison probing another nation's ids gets this answer whether or not the id
    exists (issue 8, existence oracles), checked before anything is looked up.
    """
    if id_nation(pledge_id) != nation:
        raise Invalid(
            f"a pledge id starts with its nation's code: {nation}-... or P-{nation}-... "
            f"(got {pledge_id[:50]!r})",
            field="id",
        )


def _check_place(db: Session, home: Any, caveat_sectors: list[str] | None) -> None:
    """422 unless a home given as a node id names a network node and caveat sectors exist.

    Checked when entered (issue 9 §4): a misspelt sector (``kiev`` for ``kyiv``) or a free-text
    home (``Tallinn``) used to be accepted and then broke every run and export for everyone.
    """
    check_sectors(db, caveat_sectors or [], "caveats.sectors")
    if not isinstance(home, str):
        return
    meta = {m.key: m.value for m in db.scalars(
        select(WorkspaceMeta).where(WorkspaceMeta.key.in_(("network", "nodes", "files"))))}
    nodes = node_ids(meta, meta.get("files") or {})
    if nodes is None:
        raise Invalid(
            f"home {home[:50]!r} is not a place: give [lon, lat] (the workspace has no network "
            "whose node ids a home could name)",
            field="home",
        )
    if home not in nodes:
        raise Invalid(
            f"home {home[:50]!r} is not a network node; give [lon, lat] or {one_of(nodes, 10)}",
            field="home",
        )


def create(db: Session, user: User, data: PledgeCreate) -> Pledge:
    """Add a pledge (status ``offered``). A liaison may only pledge for their own nation."""
    require_role(user, *EDITORS)
    if not can_see_nation(user, data.nation):
        raise Forbidden("you may only create pledges for your own nation")
    if db.get(Nation, data.nation) is None:
        known = ", ".join(db.scalars(select(Nation.code).order_by(Nation.code)))
        raise Invalid(f"unknown nation {data.nation!r}; expected one of: {known}",
                      field="nation")
    check_id_scope(data.id, data.nation)
    check_capability(db, data.capability)
    _check_place(db, data.home, data.caveats.sectors if data.caveats else None)
    if db.get(Pledge, data.id) is not None:
        raise id_taken("pledge", data.id)
    rank, rel = checked_label(user, data.classification, data.releasable_to, data.nation)
    values = data.model_dump(
        mode="json", exclude_none=True, exclude={"classification", "releasable_to"}
    )
    row = Pledge(
        **values,
        status="offered",
        extra={},
        classification=rank,
        releasable_to=rel,
        created_by=user.username,
        updated_by=user.username,
    )
    db.add(row)
    db.flush()
    audit.record(db, user.username, "create", "pledge", row.id, None, audit.snapshot(row))
    return row


def update(db: Session, user: User, pledge_id: str, data: PledgeUpdate) -> Pledge:
    """Edit a pledge if ``data.version`` is current; else 409 carrying the current record."""
    row = _editable(db, user, pledge_id, data.version)
    changes = data.model_dump(mode="json", exclude_unset=True, exclude={"version"})
    for key in ("capability", "quantity", "personnel", "notice_days", "cost"):
        if key in changes and changes[key] is None:
            raise Invalid(f"{key} cannot be empty", field=key)
    if "capability" in changes:
        check_capability(db, changes["capability"])
    _check_place(
        db,
        data.home if "home" in changes else None,
        data.caveats.sectors if "caveats" in changes and data.caveats else None,
    )
    relabel(user, row, changes, owner=row.nation)
    before = audit.snapshot(row)
    for key, value in changes.items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    row.updated_by = user.username
    db.flush()  # the UPDATE carries "WHERE version = :old": a racing writer gets 409
    audit.record(db, user.username, "update", "pledge", row.id, before, audit.snapshot(row))
    return row


def change_status(db: Session, user: User, pledge_id: str, data: PledgeStatusChange) -> Pledge:
    """Move a pledge through the workflow, recording who and when."""
    row = _editable(db, user, pledge_id, data.version)
    if data.status not in TRANSITIONS[row.status]:
        allowed = ", ".join(sorted(TRANSITIONS[row.status]))
        raise Invalid(
            f"a pledge that is {row.status} can move to: {allowed} (not {data.status})",
            field="status",
        )
    before = audit.snapshot(row)
    now = utcnow()
    row.status = data.status
    row.status_changed_at = now
    row.status_changed_by = user.username
    row.updated_at = now
    row.updated_by = user.username
    db.flush()
    after = {**audit.snapshot(row), "note": data.note}
    audit.record(db, user.username, f"status:{data.status}", "pledge", row.id, before, after)
    return row


def delete(db: Session, user: User, pledge_id: str, version: int) -> None:
    """Remove a pledge if ``version`` is current."""
    row = _editable(db, user, pledge_id, version)
    before = audit.snapshot(row)
    db.delete(row)
    db.flush()
    audit.record(db, user.username, "delete", "pledge", pledge_id, before, None)


#: Other nations' pledges are shown to liaisons and observers only in groups of at least this
#: many pledges (the threshold rule of statistical disclosure control).
MIN_GROUP = 3
#: The ``nation`` of the bucket holding every other nation's pledges.
OTHER_NATIONS = "other nations"


def _sums(
    db: Session, user: User, cols: list[Any], where: list[ColumnElement[bool]]
) -> list[Any]:
    stmt = select(
        *cols,
        func.count().label("pledges"),
        func.coalesce(func.sum(cast(Pledge.quantity, BigInteger)), 0).label("units"),
        # 64-bit product: 1,000,000 units x 10,000,000 personnel (both within the API's
        # bounds) overflows PostgreSQL's 32-bit integer arithmetic.
        func.coalesce(
            func.sum(cast(Pledge.quantity, BigInteger) * Pledge.personnel), 0
        ).label("personnel"),
    ).where(label_visible(user, _TABLE, owner=_TABLE.c.nation), *where)
    if cols:
        stmt = stmt.group_by(*cols).order_by(*cols)
    return list(db.execute(stmt))


def totals(
    db: Session, user: User, group_by: list[str], *, status: str | None = None
) -> list[PledgeTotal]:
    """Summed offers grouped by ``group_by`` (nation, capability, status), for every role.

    Pledges whose label hides them from ``user`` are not counted. Planners see every nation's
    groups. A liaison or observer sees their own nation's groups, and other nations' offers
    only merged into one ``"other nations"`` bucket, built from cells of (capability, status)
    holding at least :data:`MIN_GROUP` pledges: smaller cells are left out of every total, so
    no figure, nor the difference of two figures of any groupings, is one nation's single
    pledge (issue 8: grouped by nation, capability and status, a liaison read 254 single
    pledges of other nations).
    """
    for g in group_by:
        if g not in GROUPABLE:
            raise Invalid(
                f"cannot group by {g!r}; choose from {', '.join(GROUPABLE)}", field="group_by"
            )
    where = [Pledge.status == status] if status else []
    cols = [GROUPABLE[g] for g in group_by]
    own = nation_scope(user)
    if own is None:
        return [_total(group_by, row) for row in _sums(db, user, cols, where)]
    merged: dict[tuple[Any, ...], list[int]] = {}

    def add(key: tuple[Any, ...], pledges: int, units: int, personnel: int) -> None:
        acc = merged.setdefault(key, [0, 0, 0])
        acc[0] += pledges
        acc[1] += units
        acc[2] += personnel

    for row in _sums(db, user, cols, [*where, _TABLE.c.nation == own]):
        add(tuple(row[: len(cols)]), int(row.pledges), int(row.units), int(row.personnel))
    cells = _sums(db, user, [Pledge.capability, Pledge.status], [*where, _TABLE.c.nation != own])
    for cell in cells:
        if cell.pledges < MIN_GROUP:
            continue
        values = {"nation": OTHER_NATIONS, "capability": cell[0], "status": cell[1]}
        add(tuple(values[g] for g in group_by), int(cell.pledges), int(cell.units),
            int(cell.personnel))
    return [
        PledgeTotal(**dict(zip(group_by, key, strict=True)), pledges=p, units=u, personnel=m)
        for key, (p, u, m) in sorted(merged.items(), key=lambda kv: [str(k) for k in kv[0]])
    ]


def _total(group_by: list[str], row: Any) -> PledgeTotal:
    return PledgeTotal(
        **dict(zip(group_by, row[: len(group_by)], strict=True)),
        pledges=int(row.pledges),
        units=int(row.units),
        personnel=int(row.personnel),
    )
