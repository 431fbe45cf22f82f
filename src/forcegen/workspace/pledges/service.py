"""Pledges: one pledge read and changed with optimistic locking, and the approval workflow.

Access (see ``access``): planners act on every pledge; a liaison creates, edits and moves
through approval their own nation's pledges only; an observer only reads their own nation's.
Another nation's pledge is "not found" for a liaison or observer; they see others only through
:func:`totals`. Lists are in ``pledges.queries``, totals in ``pledges.totals``, the checks on a
new pledge's id and places in ``pledges.checks``; this module re-exports their verbs so callers
use one module per domain.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from forcegen.workspace.access import (
    LIAISON,
    PLANNERS,
    can_see_label,
    can_see_nation,
    check_chosen_id,
    checked_columns,
    id_taken,
    label_given,
    new_id,
    require_role,
)
from forcegen.workspace.accounts import User
from forcegen.workspace.audit import service as audit
from forcegen.workspace.audit.edits import audited_update, require_values
from forcegen.workspace.database import utcnow
from forcegen.workspace.errors import Forbidden, Invalid, NotFound
from forcegen.workspace.pledges.checks import check_id_scope, check_place, id_nation
from forcegen.workspace.pledges.models import Pledge
from forcegen.workspace.pledges.queries import SORTABLE, list_page, list_page_json
from forcegen.workspace.pledges.schemas import (
    TRANSITIONS,
    PledgeCreate,
    PledgeRead,
    PledgeStatusChange,
    PledgeUpdate,
)
from forcegen.workspace.pledges.totals import GROUPABLE, MIN_GROUP, OTHER_NATIONS, totals
from forcegen.workspace.records import check_version
from forcegen.workspace.reference import Nation
from forcegen.workspace.requirements.service import check_capability

__all__ = [
    "EDITORS",
    "GROUPABLE",
    "MIN_GROUP",
    "OTHER_NATIONS",
    "SORTABLE",
    "check_id_scope",
    "create",
    "delete",
    "get",
    "id_nation",
    "list_page",
    "list_page_json",
    "totals",
    "transition",
    "update",
]

#: Roles that may change pledges (a liaison only their own nation's).
EDITORS: tuple[str, ...] = (*PLANNERS, LIAISON)


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
    check_version(row, version, PledgeRead)
    return row


def create(db: Session, user: User, data: PledgeCreate) -> Pledge:
    """Add a pledge (status ``offered``). A liaison may only pledge for their own nation.

    Without an id the workspace assigns one; a chosen id follows ``access.check_chosen_id``
    (no create answers differently for an id held by a pledge the caller may not see).
    """
    require_role(user, *EDITORS)
    if not can_see_nation(user, data.nation):
        raise Forbidden("you may only create pledges for your own nation")
    if db.get(Nation, data.nation) is None:
        known = ", ".join(db.scalars(select(Nation.code).order_by(Nation.code)))
        raise Invalid(f"unknown nation {data.nation!r}; expected one of: {known}",
                      field="nation")
    if data.id is not None:
        check_id_scope(data.id, data.nation)
        check_chosen_id(db, user, Pledge.__table__, "pledge", owner="nation")
    check_capability(db, data.capability)
    check_place(db, data.home, data.caveats.sectors if data.caveats else None)
    if data.id is not None and db.get(Pledge, data.id) is not None:
        raise id_taken("pledge", data.id)  # a holder the caller sees (check_chosen_id)
    cols = checked_columns(
        user, data.classification, data.releasable_to, data.nation, label_given(data)
    )
    values = data.model_dump(
        mode="json", exclude_none=True,
        exclude={"id", "classification", "releasable_to", "label"},
    )
    row = Pledge(
        **values,
        id=data.id if data.id is not None else new_id(db, Pledge, f"{data.nation}-"),
        status="offered",
        extra={},
        **cols,
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
    require_values(changes, ("capability", "quantity", "personnel", "notice_days", "cost"))
    if "capability" in changes:
        check_capability(db, changes["capability"])
    check_place(
        db,
        data.home if "home" in changes else None,
        data.caveats.sectors if "caveats" in changes and data.caveats else None,
    )
    return audited_update(db, user, row, changes, "pledge", owner=row.nation)


def transition(db: Session, user: User, pledge_id: str, data: PledgeStatusChange) -> Pledge:
    """Move a pledge through the approval workflow (``TRANSITIONS``), recording who and when."""
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
