"""``/api/v1/audit``: read, verify and anchor the audit trail (admins and lead planners)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from forcegen.exceptions import SignatureError
from forcegen.labels.auditlog import TreeHead
from forcegen.workspace.access import PLANNERS, require_role
from forcegen.workspace.api.deps import CurrentUser, SessionDep
from forcegen.workspace.api.params import Page, PageParamsDep
from forcegen.workspace.audit import proofs, service
from forcegen.workspace.audit.schemas import (
    AuditAnchor,
    AuditAnchorVerify,
    AuditAnchorVerifyRead,
    AuditRead,
    AuditVerifyRead,
)
from forcegen.workspace.audit.signer import Signer
from forcegen.workspace.database import read_snapshot
from forcegen.workspace.errors import Conflict, Invalid

__all__ = ["router"]

router = APIRouter(prefix="/audit", tags=["audit"])

Filter = Annotated[str | None, Query(max_length=200)]
Size = Annotated[int, Query(ge=0, le=2**31 - 1)]
OptionalSize = Annotated[int | None, Query(ge=0, le=2**31 - 1)]


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
    request: Request, db: SessionDep, user: CurrentUser, body: AuditAnchorVerify
) -> AuditAnchorVerifyRead:
    """Recompute the chain and the Merkle log, then check them against anchors published earlier.

    Catches what ``GET /audit/verify`` cannot: a log rewritten with every hash recomputed
    (an anchored entry's hash differs, or a signed head is not consistent with the log now)
    or cut short with the head fixed (an anchor lies beyond the head). ``reason`` names the
    first failing anchor. A signed head whose signature the workspace's keys do not verify
    is refused (422 at ``heads``); with no audit key configured, heads answer 409.
    """
    require_role(user, *PLANNERS)
    anchors: list[service.Checkpoint] = [service.Anchor(a.seq, a.hash, a.at)
                                         for a in body.anchors]
    anchors += [TreeHead(h.tree_size, bytes.fromhex(h.root_hash), h.timestamp, h.key_id,
                         bytes.fromhex(h.signature)) for h in body.heads]
    signer: Signer = request.app.state.audit_signer
    if body.heads and not signer.keys.keys:
        raise Conflict(signer.problem or "no audit keys to check the heads with")
    with read_snapshot(db.get_bind()) as snap:  # type: ignore[arg-type]
        try:
            result = service.verify_anchors(snap, anchors, keys=signer.keys)
        except SignatureError as exc:
            raise Invalid(f"heads: {exc}", field="heads") from None
        return AuditAnchorVerifyRead(**asdict(result))


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


@router.get("/tree-head")
def tree_head(request: Request, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    """The latest signed tree head of the audit log (RFC 6962, Ed25519, the workspace key).

    Signed on demand when the log has grown since the last head; 409 naming the setting when
    the workspace has no audit signing key. Check it offline against the published key list.
    """
    require_role(user, *PLANNERS)
    return proofs.current_head(db, request.app.state.audit_signer).to_json()


@router.get("/proof/inclusion")
def inclusion_proof(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    entry: Annotated[int, Query(ge=1, le=2**31 - 1, description="The entry's seq")],
    tree_size: OptionalSize = None,
) -> dict[str, Any]:
    """The proof that entry ``entry`` (its seq) is in the signed log of ``tree_size`` entries.

    ``tree_size`` defaults to all; the document is the one ``forcegen audit prove`` writes
    (``leaf_index`` is seq - 1), so ``forcegen audit verify --proof`` checks it.
    An entry the caller may not see answers 404 exactly as one that does not exist.
    """
    require_role(user, *PLANNERS)
    return proofs.inclusion(db, user, entry, tree_size, request.app.state.audit_signer)


@router.get("/proof/consistency")
def consistency_proof(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    first: Size,
    second: OptionalSize = None,
) -> dict[str, Any]:
    """The proof that the log of ``first`` entries is a prefix of the log of ``second``.

    ``second`` defaults to all; both heads are signed: the log was only appended to between.
    """
    require_role(user, *PLANNERS)
    return proofs.consistency(db, first, second, request.app.state.audit_signer)
