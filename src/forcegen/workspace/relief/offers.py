"""Relief offers and their delivery cycle, under the pledges' access rules.

Planners act on every offer; a liaison makes, edits and moves its own nation's offers; an
observer reads its own nation's. Another nation's offer, or one whose label hides it, is "not
found". Status changes follow :func:`forcegen.relief.transition` (the one rule, shared with
the file reader); an impossible one is a 409 naming the change. Every change is stored as a
step (who, when, for which request) and in the audit trail.
"""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from forcegen.exceptions import one_of
from forcegen.relief.status import StatusError
from forcegen.relief.status import transition as next_status
from forcegen.workspace.access import (
    LIAISON,
    PLANNERS,
    can_see_label,
    can_see_nation,
    check_chosen_id,
    id_taken,
    new_id,
    require_role,
)
from forcegen.workspace.accounts import User
from forcegen.workspace.audit import service as audit
from forcegen.workspace.audit.edits import audited_update, require_values
from forcegen.workspace.database import utcnow
from forcegen.workspace.errors import Conflict, Forbidden, Invalid, NotFound
from forcegen.workspace.listing import PageParams
from forcegen.workspace.records import check_version
from forcegen.workspace.reference import Nation
from forcegen.workspace.relief import requests
from forcegen.workspace.relief.common import check_item, label_cols, labelled_page, visible_event
from forcegen.workspace.relief.models import ReliefOffer, ReliefRequest, ReliefStatusStep
from forcegen.workspace.relief.schemas import (
    OfferCreate,
    OfferRead,
    OfferStatusChange,
    OfferUpdate,
)

__all__ = [
    "EDITORS",
    "SORTABLE",
    "create",
    "delete",
    "get",
    "history",
    "list_page",
    "transition",
    "update",
]

#: Roles that may change offers (a liaison only their own nation's).
EDITORS: tuple[str, ...] = (*PLANNERS, LIAISON)
SORTABLE: dict[str, Any] = {
    "id": ReliefOffer.id,
    "event": ReliefOffer.event,
    "nation": ReliefOffer.nation,
    "capability": ReliefOffer.capability,
    "quantity": ReliefOffer.quantity,
    "status": ReliefOffer.status,
    "notice_hours": ReliefOffer.notice_hours,
}


def get(db: Session, user: User, offer_id: str) -> ReliefOffer:
    """One offer ``user`` may see, or 404 (also when it exists but is hidden)."""
    row = db.get(ReliefOffer, offer_id)
    if (
        row is None
        or not can_see_nation(user, row.nation)
        or not can_see_label(user, row, row.nation)
    ):
        raise NotFound("relief offer")
    return row


def list_page(
    db: Session,
    user: User,
    params: PageParams,
    *,
    event: str | None = None,
    nation: str | None = None,
    status: str | None = None,
    request: str | None = None,
) -> tuple[list[ReliefOffer], int]:
    """One page of the offers ``user`` may see (liaison, observer: their own nation's)."""
    c = ReliefOffer
    where = [
        cond
        for cond, on in (
            (c.event == event, event),
            (c.nation == nation, nation),
            (c.status == status, status),
            (c.request == request, request),
        )
        if on is not None
    ]
    return labelled_page(db, user, ReliefOffer, params, SORTABLE, ["id"], where, owner="nation")


def _step(
    db: Session,
    row: ReliefOffer,
    before: str | None,
    user: User,
    note: str | None = None,
    request: str | None = None,
) -> None:
    db.add(
        ReliefStatusStep(
            offer=row.id,
            before=before,
            after=row.status,
            request=request or row.request,
            at=utcnow(),
            by=user.username,
            note=note,
        )
    )


def create(db: Session, user: User, data: OfferCreate) -> ReliefOffer:
    """Add an offer (status ``offered``); a liaison only for their own nation."""
    require_role(user, *EDITORS)
    if not can_see_nation(user, data.nation):
        raise Forbidden("you may only make offers for your own nation")
    if db.get(Nation, data.nation) is None:
        known = list(db.scalars(select(Nation.code)))
        raise Invalid(
            f"nation {data.nation!r} is not declared; expected {one_of(known)}", field="nation"
        )
    if data.id is not None:
        check_chosen_id(db, user, ReliefOffer.__table__, "relief offer", owner="nation")
        if db.get(ReliefOffer, data.id) is not None:
            raise id_taken("relief offer", data.id)
    event = visible_event(db, user, data.event)
    check_item(db, event, data.capability)
    values = data.model_dump(
        mode="json", exclude={"id", "classification", "releasable_to", "label"}
    )
    row = ReliefOffer(
        **values,
        id=data.id if data.id is not None else new_id(db, ReliefOffer, f"{data.nation}-"),
        status="offered",
        **label_cols(user, data, data.nation),
        created_by=user.username,
        updated_by=user.username,
    )
    db.add(row)
    db.flush()
    _step(db, row, None, user)
    audit.record(db, user.username, "create", "relief_offer", row.id, None, audit.snapshot(row))
    return row


def _editable(db: Session, user: User, offer_id: str, version: int) -> ReliefOffer:
    require_role(user, *EDITORS)
    row = get(db, user, offer_id)
    check_version(row, version, OfferRead)
    return row


def update(db: Session, user: User, offer_id: str, data: OfferUpdate) -> ReliefOffer:
    """Edit an offer still ``offered`` (what is committed is moved, not edited)."""
    row = _editable(db, user, offer_id, data.version)
    if row.status != "offered":
        raise Conflict(
            f"offer {row.id!r} is {row.status}: only an offered one can be edited", field="status"
        )
    changes = data.model_dump(mode="json", exclude_unset=True, exclude={"version"})
    require_values(changes, ("quantity", "home", "notice_hours", "mode", "cost"))
    return audited_update(db, user, row, changes, "relief_offer", owner=row.nation)


def _commit_to(
    db: Session, user: User, row: ReliefOffer, request_id: str | None, units: int
) -> ReliefRequest:
    """The request ``units`` of an offer are committed to, checked.

    It must be visible, of the same event and capability, and have room for the units.
    """
    if request_id is None:
        raise Invalid(f"offer {row.id!r}: name the request it is committed to", field="request")
    req = db.get(ReliefRequest, request_id)
    if req is None or not can_see_label(user, req):
        raise Invalid(f"unknown relief request {request_id!r}", field="request")
    if req.event != row.event or req.capability != row.capability:
        raise Invalid(
            f"offer {row.id!r} ({row.capability}, event {row.event}) cannot serve "
            f"request {req.id!r} ({req.capability}, event {req.event})",
            field="request",
        )
    held = requests.held_units(db, req.id)
    if held + units > req.quantity:
        # The units held count every offer, including those the caller may not see (other
        # nations', hidden labels): the message says only that these would be too many.
        raise Conflict(
            f"request {req.id!r} asks for {req.quantity}: with the offers already held for "
            f"it, {units} more would be too many",
            field="request",
        )
    return req


def _split(db: Session, user: User, row: ReliefOffer, units: int) -> ReliefOffer:
    """Leave ``row`` with ``units`` and put the rest in a new offer, still ``offered``.

    A nation may commit part of what it offered (2 of its 3 water units): the committed part
    keeps the offer's id and history; the rest is a new offer of the same nation, place and
    label that the matching and the lists show as still on offer.
    """
    rest = ReliefOffer(
        **{
            c.key: copy.deepcopy(getattr(row, c.key))  # labels are JSON: share no value
            for c in ReliefOffer.__table__.columns
            if c.key not in ("id", "quantity", "status", "request", "version")
            and not c.key.startswith(("created_", "updated_", "status_changed_"))
        },
        id=new_id(db, ReliefOffer, f"{row.nation}-"),
        quantity=row.quantity - units,
        status="offered",
        created_by=user.username,
        updated_by=user.username,
    )
    db.add(rest)
    row.quantity = units
    db.flush()
    _step(db, rest, None, user, f"the rest of {row.id} when {units} were committed")
    audit.record(db, user.username, "create", "relief_offer", rest.id, None, audit.snapshot(rest))
    return rest


def apply_status(
    db: Session,
    user: User,
    row: ReliefOffer,
    status: str,
    request: str | None,
    note: str | None,
    units: int | None = None,
) -> ReliefOffer:
    """Move ``row`` to ``status`` (the caller checked role and version); 409 if not allowed.

    ``units`` (committing only) commits part of the offer: the rest stays on offer as a new
    offer (see :func:`_split`).
    """
    try:
        next_status(row.id, row.status, status)
    except StatusError as exc:
        raise Conflict(str(exc), field="status") from None
    if units is not None and status != "committed":
        raise Invalid(f"offer {row.id!r}: units are given when committing only", field="quantity")
    if units is not None and units > row.quantity:
        raise Invalid(
            f"offer {row.id!r}: {units} units cannot be committed, it offers {row.quantity}",
            field="quantity",
        )
    before = audit.snapshot(row)
    if status == "committed":
        req = _commit_to(db, user, row, request, row.quantity if units is None else units)
        if units is not None and units < row.quantity:
            _split(db, user, row, units)
        row.request = req.id
    elif request is not None and request != row.request:
        raise Invalid(
            f"offer {row.id!r}: the request is named when committing only", field="request"
        )
    was, held_for = row.status, row.request
    now = utcnow()
    row.status = status
    if status == "released":
        row.request = None  # given back to its nation; the step keeps the request it served
    row.status_changed_at = row.updated_at = now
    row.status_changed_by = row.updated_by = user.username
    db.flush()
    _step(db, row, was, user, note, held_for)
    after = {**audit.snapshot(row), "note": note}
    audit.record(db, user.username, f"status:{status}", "relief_offer", row.id, before, after)
    return row


def transition(db: Session, user: User, offer_id: str, data: OfferStatusChange) -> ReliefOffer:
    """Move an offer through its cycle, recording who and when."""
    row = _editable(db, user, offer_id, data.version)
    return apply_status(db, user, row, data.status, data.request, data.note, data.quantity)


def history(db: Session, user: User, offer_id: str) -> list[ReliefStatusStep]:
    """Every status change of an offer ``user`` may see, oldest first."""
    row = get(db, user, offer_id)
    return list(
        db.scalars(
            select(ReliefStatusStep)
            .where(ReliefStatusStep.offer == row.id)
            .order_by(ReliefStatusStep.seq)
        )
    )


def delete(db: Session, user: User, offer_id: str, version: int) -> None:
    """Remove an offer still offered or released (held help is released, not deleted)."""
    row = _editable(db, user, offer_id, version)
    if row.status not in ("offered", "released"):
        raise Conflict(f"offer {row.id!r} is {row.status}: release it instead", field="status")
    before = audit.snapshot(row)
    db.execute(sql_delete(ReliefStatusStep).where(ReliefStatusStep.offer == row.id))
    db.delete(row)
    db.flush()
    audit.record(db, user.username, "delete", "relief_offer", offer_id, before, None)
