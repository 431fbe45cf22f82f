"""An audit log as an RFC 6962 Merkle log: JSON Lines entries, signed tree heads, proofs.

Each line of a log file is one JSON object (an entry: who did what to which labelled item);
its leaf data is the entry's canonical JSON (sorted keys, no spaces, UTF-8), so a partner
holding the entry recomputes the same leaf. A signed tree head (:class:`TreeHead`) signs the
RFC 6962 ``TreeHeadSignature`` structure (version 0, signature type 1, timestamp in ms, tree
size, root hash) with the log operator's Ed25519 key (:mod:`forcegen.labels.keys`).

Proof documents (JSON) carry everything a partner needs besides the published key list:

* inclusion: the entry, its leaf index, the audit path and the signed head it is proven in;
* consistency: two signed heads and the consistency proof between them.

:func:`verify_proof` checks them with only the key list (:class:`SignatureError` for a forged
head or a wrong key, :class:`AuditLogError` for a malformed document; ``False`` when the
proof itself does not hold).
"""

from __future__ import annotations

import datetime as dt
import json
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forcegen.exceptions import AuditLogError, SignatureError
from forcegen.labels.keys import KeyList, SigningKey
from forcegen.labels.label import Label, label_to_json
from forcegen.labels.merkle import MerkleTree, leaf_hash, verify_consistency, verify_inclusion

__all__ = [
    "ACTIONS",
    "AuditLog",
    "TreeHead",
    "canonical_entry",
    "consistency_document",
    "consistency_json",
    "inclusion_document",
    "inclusion_json",
    "make_entry",
    "read_log",
    "verify_proof",
]

MAX_LINE_BYTES = 1 << 20
#: What happens to a labelled item; each is appended to the log.
ACTIONS = ("create", "change", "release", "read")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicated key {k!r}")
        out[k] = v
    return out


def canonical_entry(entry: dict[str, Any]) -> bytes:
    """The leaf data of an entry: canonical JSON, UTF-8."""
    return json.dumps(entry, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def _utc_ms(at: dt.datetime | None) -> int:
    return int((at or dt.datetime.now(dt.UTC)).timestamp() * 1000)


@dataclass(frozen=True)
class TreeHead:
    """A signed tree head: size, root, timestamp (ms since 1970, UTC), key id, signature."""

    tree_size: int
    root_hash: bytes
    timestamp: int
    key_id: str
    signature: bytes

    @staticmethod
    def signed_bytes(tree_size: int, root_hash: bytes, timestamp: int) -> bytes:
        """RFC 6962 ``TreeHeadSignature``: version v1 (0), tree_hash (1), timestamp, size, root."""
        return struct.pack(">BBQQ", 0, 1, timestamp, tree_size) + root_hash

    def to_json(self) -> dict[str, Any]:
        """The signed tree head as a JSON object (hashes and signature in hex)."""
        return {"tree_size": self.tree_size, "root_hash": self.root_hash.hex(),
                "timestamp": self.timestamp, "key_id": self.key_id,
                "signature": self.signature.hex()}

    @classmethod
    def from_json(cls, obj: Any, where: str = "tree head") -> TreeHead:
        """The tree head of :meth:`to_json`; :class:`AuditLogError` naming ``where`` if bad."""
        if not isinstance(obj, dict):
            raise AuditLogError(f"{where}: expected an object")
        size, ts, kid = obj.get("tree_size"), obj.get("timestamp"), obj.get("key_id")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise AuditLogError(f"{where} [tree_size]: expected a whole number >= 0")
        if not isinstance(ts, int) or isinstance(ts, bool) or not 0 <= ts < 2**63:
            raise AuditLogError(f"{where} [timestamp]: expected milliseconds since 1970")
        if not isinstance(kid, str):
            raise AuditLogError(f"{where} [key_id]: expected text")
        if not obj.get("signature"):
            raise SignatureError(f"{where} [signature]: missing: an unsigned head proves nothing")
        return cls(size, _hex(obj.get("root_hash"), f"{where} [root_hash]", 32), ts, kid,
                   _hex(obj.get("signature"), f"{where} [signature]", 64))

    def verify(self, keys: KeyList, nation: str | None = None) -> None:
        """Check the signature with the published keys (:class:`SignatureError` if it fails)."""
        at = dt.datetime.fromtimestamp(self.timestamp / 1000, dt.UTC)
        key = keys.lookup(self.key_id, nation, at)
        if not key.verify(self.signature, self.signed_bytes(self.tree_size, self.root_hash,
                                                             self.timestamp)):
            raise SignatureError(f"tree head of size {self.tree_size}: the signature by "
                                 f"{self.key_id} does not verify (forged or altered head)")


def _hex(value: Any, where: str, size: int | None = None) -> bytes:
    try:
        raw = bytes.fromhex(value) if isinstance(value, str) else None
    except ValueError:
        raw = None
    if raw is None or (size is not None and len(raw) != size):
        raise AuditLogError(f"{where}: expected {size or 'some'} bytes as hex")
    return raw


def make_entry(action: str, item: str, label: Label, by: str,
               at: dt.datetime | None = None) -> dict[str, Any]:
    """An entry for ``action`` on labelled ``item`` by ``by``, carrying the item's label.

    Raises
    ------
    forcegen.exceptions.AuditLogError
        An action not in :data:`ACTIONS`, or an empty item or actor.
    """
    if action not in ACTIONS:
        raise AuditLogError(f"action {action!r}: expected one of {', '.join(ACTIONS)}")
    if not item or not by:
        raise AuditLogError("an entry names its item and who acted")
    when = (at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return {"at": when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "action": action, "item": item,
            "by": by, "label": label_to_json(label)}


class AuditLog:
    """Entries and their Merkle tree; append, sign heads, prove."""

    def __init__(self, entries: Iterable[dict[str, Any]] = ()) -> None:
        self.entries: list[dict[str, Any]] = []
        self.tree = MerkleTree()
        for e in entries:
            self.append(e)

    def __len__(self) -> int:
        """The number of entries."""
        return len(self.entries)

    def append(self, entry: dict[str, Any]) -> int:
        """Append an entry (a JSON object); returns its leaf index."""
        self.entries.append(entry)
        return self.tree.append(canonical_entry(entry))

    def write_entry(self, path: Path | str, entry: dict[str, Any]) -> int:
        """Append ``entry`` to the log and as one line to the JSON Lines file at ``path``."""
        line = canonical_entry(entry) + b"\n"
        if len(line) > MAX_LINE_BYTES:
            raise AuditLogError(f"entry longer than {MAX_LINE_BYTES} bytes")
        try:
            with Path(path).open("ab") as f:
                f.write(line)
        except OSError as exc:
            raise AuditLogError(f"{path}: cannot append: {exc.strerror}") from None
        return self.append(entry)

    def head(self, key: SigningKey, size: int | None = None,
             at: dt.datetime | None = None) -> TreeHead:
        """A tree head of the first ``size`` entries signed with ``key``."""
        n = len(self) if size is None else size
        root = self.tree.root(n)
        ts = _utc_ms(at)
        sig = key.sign(TreeHead.signed_bytes(n, root, ts))
        return TreeHead(n, root, ts, key.key_id, sig)


def read_log(path: Path | str) -> AuditLog:
    """A log from a JSON Lines file, one object per line.

    A line that is not one raises :class:`AuditLogError` naming it; blank lines are not
    allowed (they would shift every index).
    """
    p = Path(path)
    log = AuditLog()
    try:
        with p.open("rb") as f:
            for no, raw in enumerate(f, start=1):
                if len(raw) > MAX_LINE_BYTES:
                    raise AuditLogError(f"{p}:{no}: longer than {MAX_LINE_BYTES} bytes")
                try:
                    entry = json.loads(raw, object_pairs_hook=_no_duplicates)
                except ValueError as exc:
                    raise AuditLogError(f"{p}:{no}: not a JSON object: {exc}") from None
                if not isinstance(entry, dict):
                    raise AuditLogError(f"{p}:{no}: expected a JSON object per line")
                log.append(entry)
    except OSError as exc:
        raise AuditLogError(f"{p}: cannot read the log: {exc.strerror}") from None
    return log


def inclusion_json(entry: dict[str, Any], index: int, path: Sequence[bytes],
                   head: TreeHead) -> dict[str, Any]:
    """The inclusion proof document: ``entry`` is leaf ``index`` under ``head`` by ``path``."""
    return {"type": "inclusion", "leaf_index": index, "entry": entry,
            "audit_path": [h.hex() for h in path], "head": head.to_json()}


def consistency_json(first: TreeHead, second: TreeHead,
                     proof: Sequence[bytes]) -> dict[str, Any]:
    """The consistency proof document between two signed heads."""
    return {"type": "consistency", "first": first.to_json(), "second": second.to_json(),
            "proof": [h.hex() for h in proof]}


def inclusion_document(log: AuditLog, index: int, head: TreeHead) -> dict[str, Any]:
    """The proof that entry ``index`` is in the log whose signed head is ``head``."""
    if not 0 <= index < head.tree_size:
        raise AuditLogError(f"entry {index} is not in a log of {head.tree_size} entries "
                            f"(indices 0-{head.tree_size - 1})")
    return inclusion_json(log.entries[index], index,
                          log.tree.inclusion_proof(index, head.tree_size), head)


def consistency_document(log: AuditLog, first: TreeHead, second: TreeHead) -> dict[str, Any]:
    """The proof that the log at ``first`` is a prefix of the log at ``second``."""
    if first.tree_size > second.tree_size:
        raise AuditLogError(f"the first head ({first.tree_size} entries) is larger than the "
                            f"second ({second.tree_size})")
    return consistency_json(first, second,
                            log.tree.consistency_proof(first.tree_size, second.tree_size))


def _path(obj: Any, where: str) -> list[bytes]:
    if not isinstance(obj, list) or len(obj) > 128:
        raise AuditLogError(f"{where}: expected a list of at most 128 hashes")
    return [_hex(h, f"{where}.{i}", 32) for i, h in enumerate(obj)]


def verify_proof(doc: Any, keys: KeyList, nation: str | None = None) -> tuple[bool, str]:
    """Check a proof document with only the published keys: ``(holds, what was shown)``.

    Raises
    ------
    forcegen.exceptions.SignatureError
        A head's signature is missing or forged, its key unknown, expired or (with ``nation``)
        another nation's.
    forcegen.exceptions.AuditLogError
        The document is malformed.
    """
    if not isinstance(doc, dict) or doc.get("type") not in ("inclusion", "consistency"):
        raise AuditLogError("proof: expected an object with type inclusion or consistency")
    if doc["type"] == "inclusion":
        head = TreeHead.from_json(doc.get("head"), "proof [head]")
        head.verify(keys, nation)
        index, entry = doc.get("leaf_index"), doc.get("entry")
        if not isinstance(index, int) or isinstance(index, bool):
            raise AuditLogError("proof [leaf_index]: expected a whole number")
        if not isinstance(entry, dict):
            raise AuditLogError("proof [entry]: expected the entry's JSON object")
        ok = verify_inclusion(index, head.tree_size, leaf_hash(canonical_entry(entry)),
                              _path(doc.get("audit_path"), "proof [audit_path]"),
                              head.root_hash)
        what = f"entry {index} in the signed log of {head.tree_size} entries"
        return ok, (f"{what}: included" if ok else f"{what}: the proof does not hold")
    first = TreeHead.from_json(doc.get("first"), "proof [first]")
    second = TreeHead.from_json(doc.get("second"), "proof [second]")
    first.verify(keys, nation)
    second.verify(keys, nation)
    ok = verify_consistency(first.tree_size, second.tree_size, first.root_hash,
                            second.root_hash, _path(doc.get("proof"), "proof [proof]"))
    what = f"log of {first.tree_size} entries -> {second.tree_size} entries"
    return ok, (f"{what}: consistent (append-only)" if ok
                else f"{what}: NOT consistent (history rewritten) or the proof is wrong")
