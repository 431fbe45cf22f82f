"""What the relief services share: one labelled list query, labels on create, known items."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from forcegen.exceptions import one_of
from forcegen.scenario import builtin_catalog
from forcegen.workspace.access import (
    can_see_label,
    checked_columns,
    label_given,
    label_visible,
    nation_scope,
)
from forcegen.workspace.accounts import User
from forcegen.workspace.errors import Invalid, NotFound
from forcegen.workspace.listing import PageParams, fetch_page, order_by
from forcegen.workspace.readers import Reader
from forcegen.workspace.relief.models import ReliefEvent
from forcegen.workspace.requirements.models import CatalogEntry

__all__ = ["check_item", "event_or_404", "label_cols", "labelled_page", "visible_event"]


def labelled_page(
    db: Session,
    user: User,
    model: Any,
    params: PageParams,
    sortable: dict[str, Any],
    default: list[str],
    where: list[ColumnElement[bool]],
    owner: str | None = None,
) -> tuple[list[Any], int]:
    """One page of ``model``'s rows ``user`` may see (nation scope if ``owner``, labels).

    The SQL label condition is a pre-filter; each row served is decided again by the engine.
    """
    table = model.__table__
    conds = list(where)
    if owner is not None and nation_scope(user) is not None:
        conds.append(table.c[owner] == nation_scope(user))
    conds.append(label_visible(user, table, table.c[owner] if owner else None))
    stmt: Select[Any] = select(model).where(*conds)
    clauses = [*order_by(params.sort, sortable, default), model.id.asc()]
    rows, total = fetch_page(db, stmt, params, clauses)
    reader = Reader(user)
    return [r for r in rows if reader.sees_row(r, getattr(r, owner) if owner else None)], total


def label_cols(user: User, data: Any, owner: str | None = None) -> dict[str, Any]:
    """The stored label columns of a create body (422 if ``user`` may not set that label)."""
    return checked_columns(user, data.classification, data.releasable_to, owner, label_given(data))


def visible_event(db: Session, user: User, event_id: str, *, field: str = "event") -> ReliefEvent:
    """The event a new request or offer names; 422 if missing or hidden (the same answer)."""
    row = db.get(ReliefEvent, event_id)
    if row is None or not can_see_label(user, row):
        raise Invalid(f"unknown relief event {event_id!r}", field=field)
    return row


def event_or_404(db: Session, user: User, event_id: str) -> ReliefEvent:
    """The event ``user`` may see, or 404 (also when it exists but is hidden)."""
    row = db.get(ReliefEvent, event_id)
    if row is None or not can_see_label(user, row):
        raise NotFound("relief event")
    return row


def check_item(db: Session, event: ReliefEvent, code: str) -> None:
    """422 naming ``capability`` unless ``code`` is a capability type or an item of ``event``."""
    items = [i["id"] for i in event.items or []]
    if code in items or code in builtin_catalog() or db.get(CatalogEntry, code) is not None:
        return
    known = [*items, *builtin_catalog(), *db.scalars(select(CatalogEntry.code))]
    raise Invalid(
        f"unknown capability or relief item {code!r}; expected {one_of(known)}", field="capability"
    )
