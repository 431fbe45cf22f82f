"""Append to, verify and anchor the hash-chained audit trail.

Each entry's hash is ``sha256(prev_hash + canonical_json(entry))`` where the canonical JSON has
sorted keys and no whitespace. An entry is written in the same transaction as the change it
describes, so a change and its audit record are committed (or rolled back) together.

The chain alone proves nothing against someone who can write to the database: they can change
an entry and recompute every later hash and the head. Anchors close that gap. An
:class:`Anchor` (seq, hash, time) taken with :func:`current_anchor` and kept where the database
writer cannot change it (another machine, a signed log, a printout) pins the chain up to that
entry; :func:`verify_anchors` checks the chain and then every anchor against it. Anchors files
are JSON Lines, one ``{"seq": .., "hash": .., "at": ..}`` object per line
(:func:`anchor_line`, :func:`read_anchors`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Text, cast, func, select, update
from sqlalchemy.orm import Session

from forcegen.exceptions import OptionError
from forcegen.workspace.audit.models import AuditEntry, AuditHead

__all__ = [
    "GENESIS",
    "MAX_AT",
    "MAX_SEQ",
    "Anchor",
    "AnchorVerifyResult",
    "VerifyResult",
    "anchor_from_dict",
    "anchor_line",
    "check_utc_time",
    "current_anchor",
    "entry_hash",
    "read_anchors",
    "record",
    "snapshot",
    "verify",
    "verify_anchors",
]

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


def _fields(e: Any) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": e.at,
        "actor": e.actor,
        "action": e.action,
        "entity": e.entity,
        "entity_id": e.entity_id,
        "before": e.before,
        "after": e.after,
    }


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
    entry.hash = entry_hash(entry.prev_hash, _fields(entry))
    db.add(entry)
    db.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=entry.hash))
    return entry


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
)


def verify(db: Session, batch: int = 5000) -> VerifyResult:
    """Recompute the whole chain and compare it with what is stored.

    Detects a changed entry (hash mismatch, or a snapshot whose stored JSON has a key twice),
    a removed or inserted entry (broken link or sequence gap, or a sequence number below 1),
    entries cut off the end (the head no longer matches the last entry) and a deleted head row.
    """
    lowest = db.scalar(select(func.min(AuditEntry.seq)))
    if lowest is not None and lowest < 1:
        return VerifyResult(False, 0, lowest, f"entry with seq {lowest} inserted (seq starts at 1)")
    prev = GENESIS
    expected_seq = 1
    checked = 0
    last_seq = 0
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
            try:
                fields = {**_fields(e), "before": _parse_stored(e.before),
                          "after": _parse_stored(e.after)}
            except _DuplicateKey as exc:
                return VerifyResult(False, checked, e.seq,
                                    f"entry content changed (key {exc} stored twice)")
            except ValueError:
                return VerifyResult(False, checked, e.seq, "entry content changed (not JSON)")
            if entry_hash(prev, fields) != e.hash:
                return VerifyResult(False, checked, e.seq, "entry content changed")
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
    return VerifyResult(True, checked)


# --- anchors -----------------------------------------------------------------------------------

#: Largest sequence number an anchor may name (SQLite's integer range).
MAX_SEQ = 2**63 - 1
#: Longest ``at`` accepted (the width of ``audit_log.at``; an ISO time with microseconds is 32).
MAX_AT = 40
_HASH = re.compile(r"[0-9a-f]{64}")
_ANCHOR_KEYS = ("seq", "hash", "at")
_LOOKUP_CHUNK = 500  # sequence numbers per IN (...) query: well under every backend's limit


@dataclass(frozen=True, slots=True)
class Anchor:
    """A checkpoint of the chain: entry ``seq`` had hash ``hash`` at time ``at``.

    ``at`` is when the anchor was taken (ISO-8601, UTC). Seq 0 with :data:`GENESIS` is the
    anchor of an empty trail.
    """

    seq: int
    hash: str
    at: str


@dataclass(frozen=True, slots=True)
class AnchorVerifyResult(VerifyResult):
    """Outcome of :func:`verify_anchors`: the chain check plus ``anchors_checked``.

    ``anchors_checked`` counts the anchors found to match before the first failing one (0 if the
    chain itself failed).
    """

    anchors_checked: int = 0


class _BadAnchor(ValueError):
    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def check_utc_time(value: str) -> str:
    """``value`` if it is an ISO-8601 time in UTC (offset zero), else ``ValueError``."""
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{value!r} is not an ISO-8601 time; expected e.g. 2025-01-31T12:00:00+00:00"
        ) from None
    if when.utcoffset() != dt.timedelta(0):
        raise ValueError(f"{value!r} is not in UTC; expected an offset of +00:00 or Z")
    return value


def anchor_from_dict(obj: Any) -> Anchor:
    """Check one parsed anchor object and return it as an :class:`Anchor`.

    Raises
    ------
    ValueError
        With ``field`` (``"seq"``, ``"hash"``, ``"at"`` or ``None``) and ``message`` attributes
        saying what was expected.
    """
    if not isinstance(obj, dict):
        raise _BadAnchor(None, 'expected a JSON object {"seq": .., "hash": .., "at": ..}')
    extra = sorted(set(obj) - set(_ANCHOR_KEYS))
    if extra:
        raise _BadAnchor(extra[0], "unknown key; expected only seq, hash and at")
    for key in _ANCHOR_KEYS:
        if key not in obj:
            raise _BadAnchor(key, "missing")
    seq, digest, at = obj["seq"], obj["hash"], obj["at"]
    # bool is an int in Python; true/false is not a sequence number.
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq <= MAX_SEQ:
        raise _BadAnchor("seq", f"expected a whole number from 0 to {MAX_SEQ}, got {seq!r}")
    if not isinstance(digest, str) or not _HASH.fullmatch(digest):
        raise _BadAnchor("hash", f"expected 64 lowercase hex digits (SHA-256), got {digest!r}")
    if not isinstance(at, str) or len(at) > MAX_AT:
        raise _BadAnchor("at", f"expected an ISO-8601 UTC time as a string, got {at!r}")
    try:
        check_utc_time(at)
    except ValueError as exc:
        raise _BadAnchor("at", str(exc)) from None
    return Anchor(seq, digest, at)


def anchor_line(anchor: Anchor) -> str:
    """One anchor as a JSON Lines record (no newline): ``{"seq":..,"hash":..,"at":..}``."""
    return json.dumps({"seq": anchor.seq, "hash": anchor.hash, "at": anchor.at},
                      separators=(",", ":"))


def read_anchors(path: str | Path, max_problems: int = 20) -> list[Anchor]:
    """Read an anchors file (JSON Lines, one anchor per line; blank lines are skipped).

    Raises
    ------
    OptionError
        If the file cannot be read, or naming file, line and field of every bad line (the
        first ``max_problems`` of them) with what was expected.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise OptionError(f"{path}: anchors file not found") from None
    except UnicodeDecodeError as exc:
        raise OptionError(f"{path}: not a UTF-8 text file ({exc.reason})") from None
    except OSError as exc:
        raise OptionError(f"{path}: cannot read the anchors file: {exc.strerror}") from None
    anchors: list[Anchor] = []
    # "file:line: field: message", no brackets: the CLI prints errors as Rich markup.
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            message = (f"not valid JSON ({exc.msg} at column {exc.colno}); "
                       'expected one {"seq": .., "hash": .., "at": ..} object per line')
            problems.append(f"{path}:{number}: {message}")
            continue
        try:
            anchors.append(anchor_from_dict(obj))
        except _BadAnchor as exc:
            field = f"{exc.field}: " if exc.field else ""
            problems.append(f"{path}:{number}: {field}{exc.message}")
    if problems:
        shown = "\n".join(f"  {p}" for p in problems[:max_problems])
        more = len(problems) - max_problems
        tail = f"\n  ... and {more} more" if more > 0 else ""
        raise OptionError(f"{len(problems)} bad line(s) in anchors file {path}:\n{shown}{tail}")
    return anchors


def current_anchor(db: Session) -> Anchor:
    """The anchor of the chain as it stands: the head's seq and hash, stamped now (UTC).

    This reads the head row only; verify the chain (:func:`verify`) before publishing an
    anchor if it must vouch for the entries too.

    Raises
    ------
    LookupError
        If the audit head row is missing.
    """
    head = db.execute(
        select(AuditHead.seq, AuditHead.last_hash).where(AuditHead.id == 1)
    ).one_or_none()
    if head is None:
        raise LookupError("the audit head row is missing")
    now = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    return Anchor(head.seq, head.last_hash, now)


def _stored_hashes(db: Session, seqs: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for i in range(0, len(seqs), _LOOKUP_CHUNK):
        chunk = seqs[i : i + _LOOKUP_CHUNK]
        rows = db.execute(select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.seq.in_(chunk)))
        out.update((r.seq, r.hash) for r in rows)
    return out


def verify_anchors(db: Session, anchors: Iterable[Anchor], batch: int = 5000) -> AnchorVerifyResult:
    """Verify the chain, then that every anchor's entry still has the anchored hash.

    Anchors are checked in sequence order, so the failure reported is the earliest anchor that
    does not hold: history is intact up to the last matching anchor before it.

    Parameters
    ----------
    db
        Session on the workspace database (one snapshot gives a consistent answer).
    anchors
        Checkpoints published earlier, in any order; duplicates are checked each time.
    batch
        Entries read per query by the chain check.

    Returns
    -------
    AnchorVerifyResult
        ``ok`` false if the chain is broken (as :func:`verify` says), if an anchor names an
        entry beyond the head (entries removed from the end) or if an anchored entry's hash
        differs (history rewritten); ``reason`` names the first failing anchor.
    """
    chain = verify(db, batch=batch)
    if not chain.ok:
        return AnchorVerifyResult(chain.ok, chain.checked, chain.first_bad_seq, chain.reason)
    ordered = sorted(anchors, key=lambda a: a.seq)
    # Entries appended since the chain check are looked up too (a concurrent write is not
    # tampering); anything above the highest stored seq cannot match.
    top = db.scalar(select(func.max(AuditEntry.seq))) or 0
    stored = _stored_hashes(db, sorted({a.seq for a in ordered if 0 < a.seq <= top}))
    stored[0] = GENESIS
    good = 0
    last_good = 0
    for a in ordered:
        name = f"anchor seq {a.seq} taken at {a.at}"
        have = stored.get(a.seq)
        if have is None:
            reason = (f"{name} is beyond the head (seq {chain.checked}): "
                      f"entries removed from the end")
            return AnchorVerifyResult(False, chain.checked, chain.checked + 1, reason, good)
        if have != a.hash:
            reason = (f"{name} does not match the stored hash: history rewritten "
                      f"between entries {last_good + 1} and {a.seq}")
            return AnchorVerifyResult(False, chain.checked, a.seq, reason, good)
        good += 1
        last_good = a.seq
    return AnchorVerifyResult(True, chain.checked, anchors_checked=good)
