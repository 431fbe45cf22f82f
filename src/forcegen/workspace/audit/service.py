"""The audit trail's verbs: ``record`` a change, ``list_page`` what a reader may see, verify.

The jobs live in their own modules: the hash chain (``audit.chain``), anchors and their file
format (``audit.anchors``), who may read which entry (``audit.visibility``, the redaction rule).
This module is what the other domains and the API call.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forcegen.workspace.accounts import User
from forcegen.workspace.audit.anchors import (
    MAX_AT,
    MAX_SEQ,
    Anchor,
    AnchorVerifyResult,
    anchor_from_dict,
    anchor_line,
    check_utc_time,
    current_anchor,
    read_anchors,
    verify_anchors,
)
from forcegen.workspace.audit.chain import (
    GENESIS,
    VerifyResult,
    entry_hash,
    record,
    snapshot,
    verify,
)
from forcegen.workspace.audit.models import AuditEntry
from forcegen.workspace.audit.visibility import readable_by, visible_to
from forcegen.workspace.listing import PageParams, fetch_page, order_by

__all__ = [
    "GENESIS",
    "MAX_AT",
    "MAX_SEQ",
    "SORTABLE",
    "Anchor",
    "AnchorVerifyResult",
    "VerifyResult",
    "anchor_from_dict",
    "anchor_line",
    "check_utc_time",
    "current_anchor",
    "entry_hash",
    "list_page",
    "read_anchors",
    "record",
    "snapshot",
    "verify",
    "verify_anchors",
]

#: Fields the audit list may be sorted by.
SORTABLE: dict[str, Any] = {"seq": AuditEntry.seq, "at": AuditEntry.at, "actor": AuditEntry.actor}


def list_page(
    db: Session,
    user: User,
    params: PageParams,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
) -> tuple[list[AuditEntry], int]:
    """One page of the entries ``user`` may see (newest first by default), and their count.

    Entries the reader may not see are left out in SQL, before paging and counting
    (``audit.visibility``), and checked again per row: a row the SQL condition let through by
    mistake is dropped. Role checks are the caller's.
    """
    stmt = select(AuditEntry).where(visible_to(user))
    for col, value in (
        (AuditEntry.entity, entity),
        (AuditEntry.entity_id, entity_id),
        (AuditEntry.actor, actor),
        (AuditEntry.action, action),
    ):
        if value:
            stmt = stmt.where(col == value)
    clauses = order_by(params.sort, SORTABLE, ["-seq"])
    rows, total = fetch_page(db, stmt, params, clauses)
    return [r for r in rows if readable_by(user, r)], total
