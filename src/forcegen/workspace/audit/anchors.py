"""Anchors: checkpoints of the audit log kept outside the database, and their file format.

Two kinds, both kept where the database writer cannot change them (another machine, a
write-once share, a partner):

* a chain :class:`Anchor` (seq, hash, time) from :func:`current_anchor`, which pins the hash
  chain up to that entry;
* a signed tree head (``labels.auditlog.TreeHead``: size, root, time, key id, Ed25519
  signature) of the Merkle log, which pins the first ``tree_size`` entries and is checked by a
  consistency proof against the log as it is now, its signature against the key list.

:func:`verify_anchors` checks the chain and the Merkle log, then every anchor against them.
Anchors files are JSON Lines, one object per line: ``{"seq": .., "hash": .., "at": ..}`` or
``{"tree_size": .., "root_hash": .., "timestamp": .., "key_id": .., "signature": ..}``
(:func:`anchor_line`, :func:`read_anchors`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from forcegen.exceptions import InputError, OptionError, SignatureError
from forcegen.labels.auditlog import TreeHead
from forcegen.labels.keys import KeyList, iso
from forcegen.labels.merkle import MerkleTree, verify_consistency
from forcegen.workspace.audit.chain import GENESIS, VerifyResult, verify
from forcegen.workspace.audit.models import AuditEntry, AuditHead

__all__ = [
    "MAX_AT",
    "MAX_SEQ",
    "Anchor",
    "AnchorVerifyResult",
    "Checkpoint",
    "anchor_from_dict",
    "anchor_line",
    "check_utc_time",
    "current_anchor",
    "read_anchors",
    "verify_anchors",
]

#: Largest sequence number an anchor may name (SQLite's integer range).
MAX_SEQ = 2**63 - 1
#: Longest ``at`` accepted (the width of ``audit_log.at``; an ISO time with microseconds is 32).
MAX_AT = 40
_HASH = re.compile(r"[0-9a-f]{64}")
_ANCHOR_KEYS = ("seq", "hash", "at")
_HEAD_KEYS = ("tree_size", "root_hash", "timestamp", "key_id", "signature")
_FIELD = re.compile(r" \[(\w+)\]")
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


#: One line of an anchors file: a chain anchor or a signed tree head.
Checkpoint = Anchor | TreeHead


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


def _head_from_dict(obj: dict[str, Any]) -> TreeHead:
    extra = sorted(set(obj) - set(_HEAD_KEYS))
    if extra:
        raise _BadAnchor(extra[0], "unknown key; a signed tree head has only " +
                         ", ".join(_HEAD_KEYS))
    for key in _HEAD_KEYS:
        if key not in obj:
            raise _BadAnchor(key, "missing")
    try:
        return TreeHead.from_json(obj, "tree head")
    except InputError as exc:  # "tree head [field]: message", said without brackets
        text = str(exc)
        found = _FIELD.search(text)
        message = text.split(": ", 1)[-1]
        raise _BadAnchor(found.group(1) if found else None, message) from None


def anchor_from_dict(obj: Any) -> Checkpoint:
    """Check one parsed anchor object: a chain :class:`Anchor`, or a signed ``TreeHead``.

    Raises
    ------
    ValueError
        With ``field`` (``"seq"``, ``"hash"``, ``"at"`` or ``None``) and ``message`` attributes
        saying what was expected.
    """
    if not isinstance(obj, dict):
        raise _BadAnchor(None, 'expected a JSON object {"seq": .., "hash": .., "at": ..} or a '
                         "signed tree head")
    if "tree_size" in obj:
        return _head_from_dict(obj)
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


def anchor_line(anchor: Checkpoint) -> str:
    """One anchor as a JSON Lines record (no newline): ``{"seq":..,"hash":..,"at":..}``."""
    if isinstance(anchor, TreeHead):
        return json.dumps(anchor.to_json(), separators=(",", ":"))
    return json.dumps({"seq": anchor.seq, "hash": anchor.hash, "at": anchor.at},
                      separators=(",", ":"))


def read_anchors(path: str | Path, max_problems: int = 20) -> list[Checkpoint]:
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
    anchors: list[Checkpoint] = []
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


def verify_anchors(db: Session, anchors: Iterable[Checkpoint], batch: int = 5000,
                   keys: KeyList | None = None) -> AnchorVerifyResult:
    """Verify the chain and the Merkle log, then every anchor against them.

    Chain anchors are checked in sequence order, then signed heads by size, so the failure
    reported is the earliest anchor that does not hold: history is intact up to the last
    matching anchor before it.

    Parameters
    ----------
    db
        Session on the workspace database (one snapshot gives a consistent answer).
    anchors
        Checkpoints published earlier, in any order; duplicates are checked each time.
    batch
        Entries read per query by the chain check.
    keys
        The key list the signed heads' signatures are checked with (needed if any is given).

    Returns
    -------
    AnchorVerifyResult
        ``ok`` false if the chain or the Merkle log is broken (as :func:`verify` says), if an
        anchor names an entry beyond the head or a head larger than the log (entries removed
        from the end), if an anchored entry's hash differs or a signed head is not consistent
        with the log now (history rewritten); ``reason`` names the first failing anchor.

    Raises
    ------
    forcegen.exceptions.SignatureError
        A signed head whose signature does not verify with ``keys`` (or no ``keys``): the
        anchor itself cannot be trusted, which is bad input, not a verdict on the log.
    """
    merkle = MerkleTree()
    chain = verify(db, batch=batch, merkle=merkle)
    if not chain.ok:
        return AnchorVerifyResult(chain.ok, chain.checked, chain.first_bad_seq, chain.reason)
    given = list(anchors)
    heads = sorted((a for a in given if isinstance(a, TreeHead)), key=lambda h: h.tree_size)
    for h in heads:  # a forged anchor is refused before any verdict
        if keys is None:
            raise SignatureError("signed tree heads in the anchors need the published key list "
                                 "to check their signatures (--keys)")
        h.verify(keys)
    ordered = sorted((a for a in given if isinstance(a, Anchor)), key=lambda a: a.seq)
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
    n = len(merkle)
    now = merkle.root(n)
    for h in heads:
        at = iso(dt.datetime.fromtimestamp(h.timestamp / 1000, dt.UTC))
        name = f"signed tree head of {h.tree_size} entries (signed {at} by {h.key_id})"
        if h.tree_size > n:
            reason = f"{name} is beyond the log ({n} entries): entries removed from the end"
            return AnchorVerifyResult(False, chain.checked, n + 1, reason, good)
        proof = merkle.consistency_proof(h.tree_size, n)
        if not verify_consistency(h.tree_size, n, h.root_hash, now, proof):
            reason = (f"{name} is not consistent with the log of {n} entries now: history "
                      f"rewritten between entries 1 and {h.tree_size}")
            return AnchorVerifyResult(False, chain.checked, h.tree_size, reason, good)
        good += 1
    return AnchorVerifyResult(True, chain.checked, anchors_checked=good)
