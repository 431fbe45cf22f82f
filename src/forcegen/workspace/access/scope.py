"""Roles, nation scope and label visibility: what a user may see at all.

See the package docstring for the roles. :func:`can_see_label` is the labels engine's decision
for one row; :func:`label_visible` the same rule compiled to SQL (a pre-filter: rows served are
decided again).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select

from forcegen.workspace.accounts import ADMIN, LEAD, LIAISON, OBSERVER, User
from forcegen.workspace.errors import Forbidden, NotFound
from forcegen.workspace.label_sql import table_visible_sql
from forcegen.workspace.readers import Reader, clearances_of

__all__ = [
    "ADMIN",
    "LEAD",
    "LIAISON",
    "OBSERVER",
    "PLANNERS",
    "LabelScope",
    "can_see_label",
    "can_see_nation",
    "clearance_of",
    "is_planner",
    "label_probe",
    "label_visible",
    "labels_may_hide",
    "nation_scope",
    "require_role",
    "require_visible_nation",
]


#: Roles that see and change all planning data.
PLANNERS: tuple[str, ...] = (ADMIN, LEAD)


def is_planner(user: User) -> bool:
    """Admins and lead planners see every nation's data."""
    return user.role in PLANNERS


def require_role(user: User, *roles: str) -> None:
    """Raise 403 unless ``user`` holds one of ``roles``."""
    if user.role not in roles:
        raise Forbidden()


def nation_scope(user: User) -> str | None:
    """``None`` if the user sees all nations, else the one nation code they see.

    A liaison or observer without a nation sees no nation's data: ``""`` matches nothing.
    """
    if is_planner(user):
        return None
    return user.nation or ""


def can_see_nation(user: User, nation: str) -> bool:
    """Whether records of ``nation`` are visible to ``user``."""
    scope = nation_scope(user)
    return scope is None or scope == nation


def require_visible_nation(user: User, nation: str, what: str) -> None:
    """Raise 404 (not 403: existence is not revealed) if ``nation``'s records are hidden."""
    if not can_see_nation(user, nation):
        raise NotFound(what)


def clearance_of(user: User) -> int:
    """The user's clearance rank; an account object not yet saved counts as the lowest."""
    return user.clearance or 0


def label_visible(user: User, table: Any, owner: Any = None) -> ColumnElement[bool]:
    """SQL: rows of ``table`` (a labelled table) whose label the engine releases to ``user``.

    ``owner``: the column naming the owning nation, if the table has one (pledges).
    """
    return table_visible_sql(clearances_of(user), table, owner)


def label_probe(table: Any) -> tuple[Any, Any, Any]:
    """Three scalar subqueries over ``table``: top classification, any releasability, all open.

    ``label_open`` is 1 for a label without categories.

    MIN/MAX over an indexed column is one index lookup on SQLite and PostgreSQL alike, with or
    without statistics (migrations 0003 and 0007 index the three columns on pledges). Add them
    to a query that runs anyway and pass what they return to :func:`labels_may_hide`.
    """
    c = table.c
    return (
        select(func.max(c.classification)).scalar_subquery(),
        select(func.max(c.releasable_to)).scalar_subquery(),
        select(func.min(c.label_open)).scalar_subquery(),
    )


def labels_may_hide(
    user: User, top: int | None, any_releasable: str | None, all_open: int | None = 1
) -> bool:
    """Whether, given :func:`label_probe`'s answers, the label rule could hide any row.

    It could not when every label is open (no category; legacy rows count by their
    releasability) and at or below the user's clearance under the default policy: such a
    label's classification is its default-policy view. Then :func:`label_visible` is true for
    every row and can be left out of a query, which then keeps its index-only count and
    ordered walk: the common case of a workspace whose data is all coalition-wide at or below
    the reader's clearance. Rows are still decided one by one where they are served (see
    ``pledges.queries``), so a label changed by another transaction in between is never shown
    to the wrong reader.
    """
    return (top or 0) > clearance_of(user) or any_releasable is not None or all_open == 0


def can_see_label(user: User, row: Any, owner: str | None = None) -> bool:
    """Whether the engine releases ``row``'s label (a stored row or snapshot) to ``user``."""
    return Reader(user).sees_row(row, owner)


@dataclass(frozen=True)
class LabelScope:
    """What ``user`` may see, further capped at classification rank ``cap``.

    Used to build products from the workspace's data (sourcing runs, exports): they take only
    rows passing :meth:`clause`, and carry the label ``labelled.high_water`` gives.
    """

    user: User
    cap: int

    def clause(self, table: Any, owner: Any = None) -> ColumnElement[bool]:
        """SQL: the rows of ``table`` in scope (a pre-filter; :meth:`admits` decides)."""
        c = table.c if hasattr(table, "c") else table
        return and_(label_visible(self.user, c, owner), c.classification <= self.cap)

    def admits(self, reader: Reader, row: Any, owner: str | None = None) -> bool:
        """Whether the engine releases ``row`` to the user, within the cap."""
        get = row.get if isinstance(row, dict) else (lambda k: getattr(row, k, None))
        return (get("classification") or 0) <= self.cap and reader.sees_row(row, owner)
