"""Pledge totals for every role, with other nations' offers only in groups (disclosure control)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Table, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from forcegen.workspace.access import label_visible, nation_scope
from forcegen.workspace.accounts import User
from forcegen.workspace.errors import Invalid
from forcegen.workspace.pledges.models import Pledge
from forcegen.workspace.pledges.schemas import PledgeTotal

__all__ = ["GROUPABLE", "MIN_GROUP", "OTHER_NATIONS", "totals"]

#: Fields totals may be grouped by.
GROUPABLE: dict[str, Any] = {
    "nation": Pledge.nation,
    "capability": Pledge.capability,
    "status": Pledge.status,
}


_TABLE: Table = Pledge.__table__  # type: ignore[assignment]

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
