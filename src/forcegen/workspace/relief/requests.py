"""Relief requests: read by every role whose labels allow, changed by planners.

A request with offers held for it (committed, in transit or delivered) cannot be deleted, nor
its capability changed, nor its quantity cut below what is held: those offers would be left
pointing at help nobody asked for.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from forcegen.relief.loader import HELD
from forcegen.workspace.access import (
    PLANNERS,
    can_see_label,
    check_chosen_id,
    id_taken,
    new_id,
    require_role,
)
from forcegen.workspace.accounts import User
from forcegen.workspace.audit import service as audit
from forcegen.workspace.audit.edits import audited_update, require_values
from forcegen.workspace.errors import Conflict, NotFound
from forcegen.workspace.listing import PageParams
from forcegen.workspace.records import check_version
from forcegen.workspace.relief.common import check_item, label_cols, labelled_page, visible_event
from forcegen.workspace.relief.models import ReliefEvent, ReliefOffer, ReliefRequest
from forcegen.workspace.relief.schemas import RequestCreate, RequestRead, RequestUpdate

__all__ = ["SORTABLE", "create", "delete", "get", "held_units", "list_page", "update"]

SORTABLE: dict[str, Any] = {
    "id": ReliefRequest.id,
    "event": ReliefRequest.event,
    "capability": ReliefRequest.capability,
    "quantity": ReliefRequest.quantity,
    "priority": ReliefRequest.priority,
    "by_hours": ReliefRequest.by_hours,
    "place": ReliefRequest.place,
}


def get(db: Session, user: User, request_id: str) -> ReliefRequest:
    """One request ``user`` may see, or 404 (also when its label hides it)."""
    row = db.get(ReliefRequest, request_id)
    if row is None or not can_see_label(user, row):
        raise NotFound("relief request")
    return row


def list_page(
    db: Session,
    user: User,
    params: PageParams,
    *,
    event: str | None = None,
    capability: str | None = None,
    priority: int | None = None,
) -> tuple[list[ReliefRequest], int]:
    """One page of the requests ``user`` may see, filtered."""
    c = ReliefRequest
    where = [
        cond
        for cond, on in (
            (c.event == event, event),
            (c.capability == capability, capability),
            (c.priority == priority, priority),
        )
        if on is not None
    ]
    return labelled_page(db, user, ReliefRequest, params, SORTABLE, ["priority", "id"], where)


def held_units(db: Session, request_id: str) -> int:
    """Units of every offer held for the request (committed, in transit, delivered)."""
    return int(
        db.scalar(
            select(func.coalesce(func.sum(ReliefOffer.quantity), 0)).where(
                ReliefOffer.request == request_id, ReliefOffer.status.in_(HELD)
            )
        )
        or 0
    )


def create(db: Session, user: User, data: RequestCreate) -> ReliefRequest:
    """Add a request (planners) to an event the caller may see."""
    require_role(user, *PLANNERS)
    if data.id is not None:
        check_chosen_id(db, user, ReliefRequest.__table__, "relief request")
        if db.get(ReliefRequest, data.id) is not None:
            raise id_taken("relief request", data.id)
    event = visible_event(db, user, data.event)
    check_item(db, event, data.capability)
    values = data.model_dump(
        mode="json", exclude={"id", "classification", "releasable_to", "label"}
    )
    row = ReliefRequest(
        **values,
        id=data.id if data.id is not None else new_id(db, ReliefRequest, "RQ-"),
        **label_cols(user, data),
        created_by=user.username,
        updated_by=user.username,
    )
    db.add(row)
    db.flush()
    audit.record(db, user.username, "create", "relief_request", row.id, None, audit.snapshot(row))
    return row


def _editable(db: Session, user: User, request_id: str, version: int) -> ReliefRequest:
    require_role(user, *PLANNERS)
    row = get(db, user, request_id)
    check_version(row, version, RequestRead)
    return row


def update(db: Session, user: User, request_id: str, data: RequestUpdate) -> ReliefRequest:
    """Edit a request if ``data.version`` is current; else 409 carrying the current record."""
    row = _editable(db, user, request_id, data.version)
    changes = data.model_dump(mode="json", exclude_unset=True, exclude={"version"})
    require_values(changes, ("capability", "quantity", "at", "by_hours", "priority"))
    held = held_units(db, row.id)
    if "capability" in changes and changes["capability"] != row.capability:
        if held:
            raise Conflict(
                f"offers are held for request {row.id!r}: its capability stays {row.capability}",
                field="capability",
            )
        event = db.get(ReliefEvent, row.event)
        assert event is not None  # a foreign key
        check_item(db, event, changes["capability"])
    if changes.get("quantity") is not None and changes["quantity"] < held:
        raise Conflict(
            f"offers held for request {row.id!r} carry more units than that (their number "
            "is not shown: some may be hidden from you)",
            field="quantity",
        )
    return audited_update(db, user, row, changes, "relief_request")


def delete(db: Session, user: User, request_id: str, version: int) -> None:
    """Remove a request if ``version`` is current and no offer is held for it."""
    row = _editable(db, user, request_id, version)
    if db.scalar(select(func.count()).where(ReliefOffer.request == row.id)):
        raise Conflict(f"offers name request {row.id!r}; release them first", field="id")
    before = audit.snapshot(row)
    db.delete(row)
    db.flush()
    audit.record(db, user.username, "delete", "relief_request", request_id, before, None)
