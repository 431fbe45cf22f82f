"""The hash chain: append an entry, recompute and check the whole chain.

Each entry's hash is ``sha256(prev_hash + canonical_json(entry))`` where the canonical JSON has
sorted keys and no whitespace. An entry is written in the same transaction as the change it
describes, so a change and its audit record are committed (or rolled back) together. The chain
alone proves nothing against someone who can write to the database (they can recompute every
later hash and the head): anchors (``audit.anchors``) close that gap.

Every entry is also a leaf of the RFC 6962 Merkle log (``audit.tree``): its leaf data is the
same canonical JSON, appended in the same transaction. :func:`verify` rebuilds that tree from
the entries and checks the stored leaves, nodes and every signed head handed out against it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, cast, func, insert, select, update
from sqlalchemy.orm import Session

from forcegen.labels.auditlog import canonical_entry
from forcegen.labels.merkle import MerkleTree, leaf_hash
from forcegen.workspace.audit import tree
from forcegen.workspace.audit.models import AuditEntry, AuditHead

__all__ = ["GENESIS", "VerifyResult", "entry_hash", "record", "record_many", "snapshot",
           "verify"]

GENESIS = "0" * 64


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _jsonable(value: Any) -> Any:
    """Round-trip through JSON so what is hashed equals what the database gives back."""
    return None if value is None else json.loads(_canonical(value))


def snapshot(obj: Any) -> dict[str, Any]:
    """Every column of an ORM object as JSON-ready values (the audit "before"/"after")."""
    from sqlalchemy import inspect

    mapper = inspect(type(obj))
    snap: dict[str, Any] = _jsonable({c.key: getattr(obj, c.key) for c in mapper.column_attrs})
    return snap


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """The chain hash of one entry given the previous entry's hash."""
    return hashlib.sha256((prev_hash + _canonical(fields)).encode()).hexdigest()


_COLUMNS = (
    AuditEntry.seq,
    AuditEntry.at,
    AuditEntry.actor,
    AuditEntry.action,
    AuditEntry.entity,
    AuditEntry.entity_id,
    AuditEntry.before,
    AuditEntry.after,
    AuditEntry.prev_hash,
    AuditEntry.hash,
)


_fields = tree.entry_fields


def record(
    db: Session,
    actor: str | None,
    action: str,
    entity: str,
    entity_id: str | None,
    before: Any = None,
    after: Any = None,
) -> AuditEntry:
    """Append one entry (who, what, before and after) in the caller's transaction.

    The head row is updated first: that takes a row lock on PostgreSQL and the write lock on
    SQLite, so concurrent writers queue here and the chain never forks.
    """
    db.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1))
    head = db.execute(select(AuditHead.seq, AuditHead.last_hash).where(AuditHead.id == 1)).one()
    entry = AuditEntry(
        seq=head.seq,
        at=dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=_jsonable(before),
        after=_jsonable(after),
        prev_hash=head.last_hash,
    )
    fields = _fields(entry)
    entry.hash = entry_hash(entry.prev_hash, fields)
    leaf = leaf_hash(canonical_entry(fields))
    entry.leaf_hash = leaf.hex()
    db.add(entry)
    tree.append_leaf(db, entry.seq, leaf)
    db.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=entry.hash))
    return entry


def record_many(
    db: Session,
    actor: str | None,
    items: Sequence[tuple[str, str, str | None, Any, Any]],
) -> int:
    """Append entries ``(action, entity, entity_id, before, after)`` in the caller's transaction.

    The entries :func:`record` would append one by one, with the same chain hashes and Merkle
    leaves, in five statements whatever their number (the head row locked and moved once, one
    insert of the entries, one of the Merkle nodes they complete): what a read recording a
    few labels costs. Returns the number appended.
    """
    n = len(items)
    if not n:
        return 0
    db.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + n))
    head = db.execute(select(AuditHead.seq, AuditHead.last_hash).where(AuditHead.id == 1)).one()
    first = seq = head.seq - n + 1
    prev = head.last_hash
    at = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    rows, leaves = [], []
    for action, entity, entity_id, before, after in items:
        fields = {"seq": seq, "at": at, "actor": actor, "action": action, "entity": entity,
                  "entity_id": entity_id, "before": _jsonable(before),
                  "after": _jsonable(after)}
        digest = entry_hash(prev, fields)
        leaf = leaf_hash(canonical_entry(fields))
        rows.append({**fields, "prev_hash": prev, "hash": digest, "leaf_hash": leaf.hex()})
        leaves.append(leaf)
        prev, seq = digest, seq + 1
    db.execute(insert(AuditEntry), rows)
    tree.append_leaves(db, first, leaves)
    db.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=prev))
    return n


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """Outcome of :func:`verify`: ``ok``, entries checked, and the first bad one if any."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _parse_stored(text: str | None) -> Any:
    """A snapshot as stored, parsed strictly: a JSON object with a key twice is refused.

    Python keeps the last of two equal keys, SQL functions may read the first: a forged
    ``{"quantity": 999999, ..., "quantity": 1}`` would hash like ``{"quantity": 1}`` while
    queries see 999999. So the stored text itself is parsed, not the driver's reading of it.
    """
    return None if text is None else json.loads(text, object_pairs_hook=_no_duplicates)


# The snapshots as stored text (CAST to text returns a PostgreSQL json value verbatim).
_RAW_COLUMNS = (
    *_COLUMNS[:6],
    cast(AuditEntry.before, Text).label("before"),
    cast(AuditEntry.after, Text).label("after"),
    *_COLUMNS[8:],
    AuditEntry.leaf_hash,
)


def _check_entry(e: Any, prev: str) -> tuple[bytes, str | None]:
    """One stored entry's Merkle leaf, and what is wrong with its content or hashes if any."""
    try:
        fields = {**_fields(e), "before": _parse_stored(e.before),
                  "after": _parse_stored(e.after)}
    except _DuplicateKey as exc:
        return b"", f"entry content changed (key {exc} stored twice)"
    except ValueError:
        return b"", "entry content changed (not JSON)"
    if entry_hash(prev, fields) != e.hash:
        return b"", "entry content changed"
    leaf = leaf_hash(canonical_entry(fields))
    if e.leaf_hash != leaf.hex():
        what = "missing" if e.leaf_hash is None else "not the entry's"
        return leaf, f"Merkle leaf hash {what}"
    return leaf, None


def verify(db: Session, batch: int = 5000, merkle: MerkleTree | None = None) -> VerifyResult:
    """Recompute the whole chain and compare it with what is stored.

    Detects a changed entry (hash mismatch, or a snapshot whose stored JSON has a key twice),
    a removed or inserted entry (broken link or sequence gap, or a sequence number below 1),
    entries cut off the end (the head no longer matches the last entry) and a deleted head row;
    then rebuilds the Merkle log from the entries: a leaf hash that is not the entry's, a
    stored node that differs, or a signed head handed out that the entries no longer give
    (history rewritten, every chain hash recomputed; or entries removed) fails too. The tree
    is rebuilt into ``merkle`` if given (empty), for checks against anchored heads.
    """
    lowest = db.scalar(select(func.min(AuditEntry.seq)))
    if lowest is not None and lowest < 1:
        return VerifyResult(False, 0, lowest, f"entry with seq {lowest} inserted (seq starts at 1)")
    prev = GENESIS
    expected_seq = 1
    checked = 0
    last_seq = 0
    merkle = MerkleTree() if merkle is None else merkle
    while True:
        # Plain rows, not ORM objects: a long chain must not fill the session's identity map.
        rows = db.execute(
            select(*_RAW_COLUMNS)
            .where(AuditEntry.seq > last_seq)
            .order_by(AuditEntry.seq)
            .limit(batch)
        ).all()
        if not rows:
            break
        for e in rows:
            if e.seq != expected_seq:
                return VerifyResult(False, checked, e.seq, f"missing entry {expected_seq}")
            if e.prev_hash != prev:
                return VerifyResult(False, checked, e.seq, "link to the previous entry broken")
            leaf, problem = _check_entry(e, prev)
            if problem is not None:
                return VerifyResult(False, checked, e.seq, problem)
            merkle.append_hash(leaf)
            prev = e.hash
            expected_seq += 1
            checked += 1
            last_seq = e.seq
    head = db.execute(
        select(AuditHead.seq, AuditHead.last_hash).where(AuditHead.id == 1)
    ).one_or_none()
    if head is None:
        return VerifyResult(False, checked, checked + 1, "the audit head row is missing")
    if head.seq != checked or head.last_hash != prev:
        return VerifyResult(False, checked, checked + 1, "entries removed from the end")
    bad = tree.check_stored(db, merkle)
    if bad is not None:
        return VerifyResult(False, checked, *bad)
    return VerifyResult(True, checked)
