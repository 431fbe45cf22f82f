"""``/api/v1/audit``: read, verify and anchor the audit trail (admins and lead planners)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from forcegen.workspace.access import PLANNERS, require_role
from forcegen.workspace.api.deps import CurrentUser, SessionDep
from forcegen.workspace.api.params import Page, PageParamsDep
from forcegen.workspace.audit import service
from forcegen.workspace.audit.schemas import (
    AuditAnchor,
    AuditAnchorVerify,
    AuditAnchorVerifyRead,
    AuditRead,
    AuditVerifyRead,
)
from forcegen.workspace.database import read_snapshot
from forcegen.workspace.errors import Conflict

__all__ = ["router"]

router = APIRouter(prefix="/audit", tags=["audit"])

Filter = Annotated[str | None, Query(max_length=200)]


@router.get("", response_model=Page[AuditRead])
def list_audit(
    db: SessionDep,
    user: CurrentUser,
    page: PageParamsDep,
    entity: Filter = None,
    entity_id: Filter = None,
    actor: Filter = None,
    action: Filter = None,
    since: Filter = None,
    until: Filter = None,
) -> Page[AuditRead]:
    """Audit entries, newest first by default; ``since``/``until``: UTC days (``YYYY-MM-DD``).

    Only entries the caller may see are listed and counted: entries about accounts are for
    admins (and the account itself), entries about labelled items need the caller to see the
    item's label before and after the change. An entry about a hidden item is
    indistinguishable from none.
    """
    require_role(user, *PLANNERS)
    rows, total = service.list_page(
        db, user, page, entity=entity, entity_id=entity_id, actor=actor, action=action,
        since=since, until=until,
    )
    return Page[AuditRead](
        items=[AuditRead.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/verify", response_model=AuditVerifyRead)
def verify_audit(db: SessionDep, user: CurrentUser) -> AuditVerifyRead:
    """Recompute the hash chain; ``ok`` is false if any entry was changed or removed."""
    require_role(user, *PLANNERS)
    with read_snapshot(db.get_bind()) as snap:  # type: ignore[arg-type]
        return AuditVerifyRead(**asdict(service.verify(snap)))


@router.post("/verify", response_model=AuditAnchorVerifyRead)
def verify_audit_anchors(
    db: SessionDep, user: CurrentUser, body: AuditAnchorVerify
) -> AuditAnchorVerifyRead:
    """Recompute the chain, then check it against anchors published earlier.

    Catches what ``GET /audit/verify`` cannot: a chain rewritten with every hash recomputed
    (an anchored entry's hash differs) or cut short with the head fixed (an anchor lies beyond
    the head). ``reason`` names the first failing anchor.
    """
    require_role(user, *PLANNERS)
    anchors = [service.Anchor(a.seq, a.hash, a.at) for a in body.anchors]
    with read_snapshot(db.get_bind()) as snap:  # type: ignore[arg-type]
        return AuditAnchorVerifyRead(**asdict(service.verify_anchors(snap, anchors)))


@router.get("/anchor", response_model=AuditAnchor)
def audit_anchor(db: SessionDep, user: CurrentUser) -> AuditAnchor:
    """The current anchor (head seq and hash, stamped now), to publish outside the database.

    Read from the head row alone; check ``GET /audit/verify`` before publishing it.
    """
    require_role(user, *PLANNERS)
    try:
        return AuditAnchor(**asdict(service.current_anchor(db)))
    except LookupError:  # the head row was deleted: tampering, nothing to anchor
        raise Conflict("the audit head row is missing; run GET /audit/verify") from None
