"""The audit trail's verbs: ``record`` a change, ``list_page`` what a reader may see, verify.

The jobs live in their own modules: the hash chain (``audit.chain``), anchors and their file
format (``audit.anchors``), who may read which entry (``audit.visibility``, the redaction rule).
This module is what the other domains and the API call.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forcegen.workspace.accounts import User
from forcegen.workspace.audit.anchors import (
    MAX_AT,
    MAX_SEQ,
    Anchor,
    AnchorVerifyResult,
    Checkpoint,
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
from forcegen.workspace.errors import Invalid, NotFound
from forcegen.workspace.listing import PageParams, fetch_page, order_by

__all__ = [
    "GENESIS",
    "MAX_AT",
    "MAX_SEQ",
    "SORTABLE",
    "Anchor",
    "AnchorVerifyResult",
    "Checkpoint",
    "VerifyResult",
    "anchor_from_dict",
    "anchor_line",
    "check_utc_time",
    "current_anchor",
    "entry_hash",
    "get",
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
    since: str | None = None,
    until: str | None = None,
    without_action: str | None = None,
) -> tuple[list[AuditEntry], int]:
    """One page of the entries ``user`` may see (newest first by default), and their count.

    ``without_action`` leaves out the entries of one action (a record's history of changes
    leaves out its ``read`` entries).

    ``since`` and ``until`` (``YYYY-MM-DD``, UTC, both days included) limit when the entries
    were written; 422 naming the field if either is not such a date.

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
    if without_action:
        stmt = stmt.where(AuditEntry.action != without_action)
    # ``at`` is ISO-8601 UTC text: comparing the text compares the times.
    if since:
        stmt = stmt.where(AuditEntry.at >= _day(since, "since").isoformat())
    if until:
        after = _day(until, "until") + dt.timedelta(days=1)
        stmt = stmt.where(AuditEntry.at < after.isoformat())
    clauses = order_by(params.sort, SORTABLE, ["-seq"])
    rows, total = fetch_page(db, stmt, params, clauses)
    return [r for r in rows if readable_by(user, r)], total


def _day(text: str, field: str) -> dt.date:
    """``YYYY-MM-DD`` as a date (``fromisoformat`` alone would also take ``20261201``)."""
    try:
        if len(text) != 10 or text[4] != "-":
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{field}: expected a date as YYYY-MM-DD, got {text[:20]!r}",
                      field=field) from None


def get(db: Session, user: User, seq: int) -> AuditEntry:
    """One entry ``user`` may see, or 404: an entry hidden from them is as missing as none."""
    row = db.scalar(select(AuditEntry).where(AuditEntry.seq == seq, visible_to(user)))
    if row is None or not readable_by(user, row):
        raise NotFound("audit entry")
    return row
