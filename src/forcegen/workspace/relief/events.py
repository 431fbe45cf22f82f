"""Relief events: read by every role whose labels allow, created by planners."""

from __future__ import annotations

from typing import Any

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
from forcegen.workspace.errors import Invalid
from forcegen.workspace.listing import PageParams
from forcegen.workspace.relief.common import event_or_404, label_cols, labelled_page
from forcegen.workspace.relief.models import ReliefEvent
from forcegen.workspace.relief.schemas import EventCreate

__all__ = ["SORTABLE", "create", "get", "list_page"]

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
    items = [i.model_dump() for i in data.items]
    seen: set[str] = set()
    for k, i in enumerate(items):
        if i["id"] in seen:
            raise Invalid(f"duplicate relief item {i['id']!r}", field=f"items.{k}.id")
        seen.add(i["id"])
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
