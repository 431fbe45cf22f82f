"""Signed tree heads and proofs of the workspace audit log, for the API and the pages.

The documents are ``labels.auditlog``'s, so ``forcegen audit verify --proof`` checks them
offline with only the published key list. An inclusion proof carries the entry itself: it is
given only for an entry the reader may see (``audit.visibility``), and an entry hidden from
them answers exactly as one that does not exist (404, same body), whatever tree size is asked.
The heads' sizes count every entry, hidden or not: a size says how many entries were written,
never which.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from forcegen.labels.auditlog import TreeHead
from forcegen.workspace.accounts import User
from forcegen.workspace.audit import tree
from forcegen.workspace.audit.signer import Signer
from forcegen.workspace.audit.visibility import readable_by, visible_to
from forcegen.workspace.errors import Conflict, Invalid, NotFound

__all__ = ["consistency", "current_head", "inclusion"]


def _signed(db: Session, signer: Signer, size: int | None = None) -> TreeHead:
    key = signer.require()
    try:
        return tree.sign_head(db, key, size)
    except tree.TreeDamaged as exc:
        raise Conflict(str(exc)) from None


def current_head(db: Session, signer: Signer) -> TreeHead:
    """The signed head of the whole log (the stored one if the log has not grown since)."""
    return _signed(db, signer)


def _size(value: int, field: str, top: int) -> int:
    if not 0 <= value <= top:
        raise Invalid(f"{field}: expected a tree size from 0 to {top}",
                      field=field)
    return value


def inclusion(db: Session, user: User, seq: int, size: int | None,
              signer: Signer) -> dict[str, Any]:
    """The proof that entry ``seq`` is in the log of ``size`` entries (default: all).

    404 (``audit entry not found``) for an entry that is missing or hidden from ``user``,
    checked before anything else; 422 for a size outside the log or before the entry.
    """
    from sqlalchemy import select

    from forcegen.workspace.audit.models import AuditEntry

    row = db.scalar(select(AuditEntry).where(AuditEntry.seq == seq, visible_to(user)))
    if row is None or not readable_by(user, row):
        raise NotFound("audit entry")
    signer.require()
    top = tree.tree_size(db)
    n = top if size is None else _size(size, "tree_size", top)
    if n < seq:
        raise Invalid(f"tree_size: entry {seq} is not in the first {n} entries", field="tree_size")
    head = _signed(db, signer, n)
    try:
        return tree.inclusion_document(db, tree.entry_fields(row), head)
    except tree.TreeDamaged as exc:
        raise Conflict(str(exc)) from None


def consistency(db: Session, first: int, second: int | None, signer: Signer) -> dict[str, Any]:
    """The proof that the log of ``first`` entries is a prefix of the log of ``second``."""
    signer.require()
    top = tree.tree_size(db)
    n = top if second is None else _size(second, "second", top)
    m = _size(first, "first", n)
    old, new = _signed(db, signer, m), _signed(db, signer, n)
    try:
        return tree.consistency_document(db, old, new)
    except tree.TreeDamaged as exc:
        raise Conflict(str(exc)) from None
