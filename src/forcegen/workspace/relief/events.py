"""Relief events: read by every role whose labels allow, created and edited by planners.

An edit may not drop a relief item that a request or offer of the event names (those records
would name an item nobody declared); the check counts every request and offer, hidden ones
included, and names only the item.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from forcegen.workspace.access import (
    PLANNERS,
    check_chosen_id,
    id_taken,
    new_id,
    require_role,
)
from forcegen.workspace.accounts import User
from forcegen.workspace.audit import service as audit
from forcegen.workspace.audit.edits import audited_update
from forcegen.workspace.errors import Conflict, Invalid
from forcegen.workspace.listing import PageParams
from forcegen.workspace.records import check_version
from forcegen.workspace.relief.common import event_or_404, label_cols, labelled_page
from forcegen.workspace.relief.models import ReliefEvent, ReliefOffer, ReliefRequest
from forcegen.workspace.relief.schemas import EventCreate, EventRead, EventUpdate, ItemIn

__all__ = ["SORTABLE", "create", "get", "list_page", "update"]

SORTABLE: dict[str, Any] = {
    "id": ReliefEvent.id,
    "name": ReliefEvent.name,
    "started": ReliefEvent.started,
}


def get(db: Session, user: User, event_id: str) -> ReliefEvent:
    """One event ``user`` may see, or 404 (also when its label hides it)."""
    return event_or_404(db, user, event_id)


def list_page(db: Session, user: User, params: PageParams) -> tuple[list[ReliefEvent], int]:
    """One page of the events ``user`` may see."""
    return labelled_page(db, user, ReliefEvent, params, SORTABLE, ["id"], [])


def create(db: Session, user: User, data: EventCreate) -> ReliefEvent:
    """Add an event (planners). A chosen id follows ``access.check_chosen_id``."""
    require_role(user, *PLANNERS)
    if data.id is not None:
        check_chosen_id(db, user, ReliefEvent.__table__, "relief event")
        if db.get(ReliefEvent, data.id) is not None:
            raise id_taken("relief event", data.id)
    items = _items(data.items)
    row = ReliefEvent(
        id=data.id if data.id is not None else new_id(db, ReliefEvent, "EV-"),
        name=data.name,
        at=list(data.at) if data.at else None,
        started=data.started,
        items=items,
        **data.model_dump(mode="json", include={"airfields", "ports", "settings"}),
        **label_cols(user, data),
        created_by=user.username,
        updated_by=user.username,
    )
    db.add(row)
    db.flush()
    audit.record(db, user.username, "create", "relief_event", row.id, None, audit.snapshot(row))
    return row


def _items(given: list[ItemIn]) -> list[dict[str, Any]]:
    """The items as stored; 422 naming the second of two with the same id."""
    items = [i.model_dump() for i in given]
    seen: set[str] = set()
    for k, i in enumerate(items):
        if i["id"] in seen:
            raise Invalid(f"duplicate relief item {i['id']!r}", field=f"items.{k}.id")
        seen.add(i["id"])
    return items


def _named_items(db: Session, event_id: str) -> set[str]:
    """Capabilities or items named by any request or offer of the event (hidden ones too)."""
    q = union(
        select(ReliefRequest.capability).where(ReliefRequest.event == event_id),
        select(ReliefOffer.capability).where(ReliefOffer.event == event_id),
    )
    return set(db.scalars(select(q.subquery().c[0])))


def update(db: Session, user: User, event_id: str, data: EventUpdate) -> ReliefEvent:
    """Edit an event (planners) if ``data.version`` is current; else 409 with the record.

    Parameters
    ----------
    db
        The session; the caller commits.
    user
        Who edits: a planner who may see the event (hidden: 404, as missing).
    event_id
        The event.
    data
        The fields to change; ``items`` replaces the list.

    Returns
    -------
    ReliefEvent
        The event as changed.

    Raises
    ------
    Conflict
        A stale ``version`` (``field="version"``, with the current record), or ``items``
        dropping an item a request or offer of the event names (``field="items"``).
    Invalid
        Two items with one id, a label above the user's clearance.
    """
    require_role(user, *PLANNERS)
    row = event_or_404(db, user, event_id)
    check_version(row, data.version, EventRead)
    changes = data.model_dump(mode="json", exclude_unset=True, exclude={"version"})
    if "started" in changes:  # a datetime column: the value itself, not its JSON text
        changes["started"] = data.started
    if "items" in changes:
        items = _items(data.items or [])
        kept = {i["id"] for i in items}
        gone = {i["id"] for i in row.items or []} - kept
        dropped = sorted(gone & _named_items(db, row.id)) if gone else []
        if dropped:
            raise Conflict(
                f"relief item {dropped[0]!r} is named by requests or offers of event "
                f"{row.id!r}; it stays", field="items")
        changes["items"] = items
    return audited_update(db, user, row, changes, "relief_event")
