"""The audit trail as an RFC 6962 Merkle log, kept in the database.

Entry ``seq`` is leaf ``seq - 1``; its leaf data is the canonical JSON of the entry (the same
text the hash chain hashes, ``labels.auditlog.canonical_entry``), so a partner given the entry
recomputes the leaf. The algorithms are ``labels.merkle``'s, reading stored nodes:

* ``audit_log.leaf_hash``: the leaves (level 0);
* ``audit_node``: every complete, aligned subtree above them, written as it completes, so an
  append costs the hashes of the subtrees it completes (two on average, O(log n) at worst) and
  one small query, never a pass over the log;
* ``audit_tree_head``: the signed tree heads handed out (Ed25519, the workspace's key).

A proof first asks ``labels.merkle.nodes_needed`` which nodes it reads (O(log² n) at worst),
fetches them in one query and runs the algorithm on them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from forcegen.labels.auditlog import TreeHead, consistency_json, inclusion_json
from forcegen.labels.keys import SigningKey
from forcegen.labels.merkle import (
    MerkleTree,
    NodeLookup,
    append_nodes,
    consistency_path,
    inclusion_path,
    nodes_needed,
    subtree_root,
)
from forcegen.workspace.audit.models import AuditEntry, AuditHead, AuditNode, AuditTreeHead

__all__ = [
    "TreeDamaged",
    "append_leaf",
    "append_leaves",
    "check_stored",
    "consistency_document",
    "entry_fields",
    "inclusion_document",
    "latest_head",
    "root",
    "sign_head",
    "stored_heads",
    "tree_size",
]

_CHUNK = 500  # keys per IN (...) list
_ENTRIES = AuditEntry.__tablename__
_NODES = AuditNode.__tablename__
_CACHE = "forcegen.audit.frontier"
_T = TypeVar("_T")


class TreeDamaged(LookupError):
    """A stored node the tree needs is missing: the tables were changed outside the workspace."""


def entry_fields(e: Any) -> dict[str, Any]:
    """The entry as a JSON object: what its leaf hashes and what a proof document carries."""
    return {"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action,
            "entity": e.entity, "entity_id": e.entity_id, "before": e.before,
            "after": e.after}


def _fetch(db: Session, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The stored hashes of nodes ``(level, index)``; :class:`TreeDamaged` if one is missing.

    One query (a ``UNION ALL`` of the leaves asked for and, per level, the nodes asked for:
    each a search of a primary key) written as SQL text and run on the driver directly. A
    proof reads a few dozen nodes over a dozen levels: building and compiling that statement
    through SQLAlchemy's expression language (a different shape for almost every proof, so
    never cached) cost ten times the query itself (``bench/audit_merkle.py``).
    """
    wanted = list(dict.fromkeys(keys))
    by_level: dict[int, list[int]] = {}
    for level, i in wanted:
        by_level.setdefault(level, []).append(i + 1 if level == 0 else i)
    bind = db.get_bind()
    mark = "?" if bind.dialect.paramstyle == "qmark" else "%s"
    parts: list[str] = []
    params: list[int] = []
    for level, idxs in sorted(by_level.items()):
        for c in range(0, len(idxs), _CHUNK):
            chunk = idxs[c : c + _CHUNK]
            marks = ", ".join([mark] * len(chunk))
            # Integers only, as parameters; the level is a literal int the code computed.
            if level == 0:  # leaves: entry seq - 1, in audit_log
                parts.append(f"SELECT 0, seq, leaf_hash FROM {_ENTRIES} WHERE seq IN ({marks})")
            else:
                parts.append(f"SELECT level, idx, hash FROM {_NODES} "
                             f"WHERE level = {int(level)} AND idx IN ({marks})")
            params += [int(x) for x in chunk]
    out: dict[tuple[int, int], bytes] = {}
    if parts:
        rows = db.connection().exec_driver_sql(" UNION ALL ".join(parts), tuple(params))
        for level, idx, h in rows:
            if h:
                out[(level, idx - 1 if level == 0 else idx)] = bytes.fromhex(h)
    missing = [k for k in wanted if k not in out]
    if missing:
        level, index = missing[0]
        raise TreeDamaged(f"the audit Merkle tree lacks node {index} of level {level} "
                          "(changed outside the workspace): run forcegen audit verify")
    return out


def _run(db: Session, compute: Callable[[NodeLookup], _T]) -> _T:
    """Run a tree algorithm on the stored nodes it needs, fetched in one batch."""
    nodes = _fetch(db, nodes_needed(compute))
    return compute(lambda level, index: nodes[(level, index)])


def _frontier(size: int) -> list[tuple[int, int]]:
    """The right edge of a tree of ``size``: one complete subtree per bit set in ``size``.

    Every later append combines only with these (and the nodes it makes itself).
    """
    return [(h, (size >> h) - 1) for h in range(size.bit_length()) if (size >> h) & 1]


def append_leaf(db: Session, seq: int, leaf: bytes) -> None:
    """Add entry ``seq``'s leaf to the stored tree (the caller holds the head row's lock)."""
    append_leaves(db, seq, [leaf])


def append_leaves(db: Session, first_seq: int, leaves: Sequence[bytes]) -> None:
    """Add the leaves of entries ``first_seq``, ``first_seq + 1``, ... in one insert.

    The caller holds the head row's lock. The nodes on the tree's right edge are remembered
    for the transaction, so a bulk change recording many entries reads none back; another
    transaction (or a savepoint) starts over from the database, which the head row's lock
    keeps consistent.
    """
    index = first_seq - 1
    txn = db.get_nested_transaction() or db.get_transaction()
    cached = db.info.get(_CACHE)
    if cached is not None and cached[0] is txn and cached[1] == index:
        known: dict[tuple[int, int], bytes] = dict(cached[2])
    else:
        known = _fetch(db, _frontier(index))
    inner = []
    for leaf in leaves:
        for level, i, h in append_nodes(index, leaf, lambda level, i: known[(level, i)]):
            known[(level, i)] = h
            if level > 0:
                inner.append({"level": level, "idx": i, "hash": h.hex()})
        index += 1
    if inner:
        db.execute(insert(AuditNode), inner)
    db.info[_CACHE] = (txn, index, {k: known[k] for k in _frontier(index)})


def tree_size(db: Session) -> int:
    """The number of leaves: the head row's sequence number (0 if the row is missing)."""
    return db.scalar(select(AuditHead.seq).where(AuditHead.id == 1)) or 0


def root(db: Session, size: int) -> bytes:
    """The tree head (MTH) of the first ``size`` entries."""
    return _run(db, lambda node: subtree_root(0, size, node))


def sign_head(db: Session, key: SigningKey, size: int | None = None, *, store: bool = True,
              at: dt.datetime | None = None) -> TreeHead:
    """Sign the head of the first ``size`` entries (default: all) with ``key``.

    With ``store`` the head is kept (``audit_tree_head``): verification later checks that the
    entries still give its root. A head of the same size and root already stored is returned
    instead of a new one, so polling does not grow the table (one head per size at most).
    """
    n = tree_size(db) if size is None else size
    mth = root(db, n)
    if store:
        same = db.scalar(select(AuditTreeHead).where(
            AuditTreeHead.tree_size == n, AuditTreeHead.root_hash == mth.hex(),
            AuditTreeHead.key_id == key.key_id).order_by(AuditTreeHead.id.desc()).limit(1))
        if same is not None:
            return _as_head(same)
    ts = int((at or dt.datetime.now(dt.UTC)).timestamp() * 1000)
    head = TreeHead(n, mth, ts, key.key_id, key.sign(TreeHead.signed_bytes(n, mth, ts)))
    if store:
        db.add(AuditTreeHead(tree_size=n, root_hash=mth.hex(), timestamp=ts,
                             key_id=head.key_id, signature=head.signature.hex()))
        db.flush()
    return head


def _as_head(row: Any) -> TreeHead:
    return TreeHead(row.tree_size, bytes.fromhex(row.root_hash), row.timestamp, row.key_id,
                    bytes.fromhex(row.signature))


def latest_head(db: Session) -> TreeHead | None:
    """The signed head stored last (largest tree, then newest), if any."""
    row = db.scalar(select(AuditTreeHead).order_by(AuditTreeHead.tree_size.desc(),
                                                   AuditTreeHead.timestamp.desc(),
                                                   AuditTreeHead.id.desc()).limit(1))
    return None if row is None else _as_head(row)


def stored_heads(db: Session) -> list[TreeHead]:
    """Every stored signed head, oldest first."""
    return [_as_head(r) for r in db.scalars(select(AuditTreeHead).order_by(AuditTreeHead.id))]


def inclusion_document(db: Session, entry: dict[str, Any], head: TreeHead) -> dict[str, Any]:
    """``labels.auditlog``'s inclusion proof of ``entry`` (its fields) in the log at ``head``."""
    index = entry["seq"] - 1
    path = _run(db, lambda node: inclusion_path(index, head.tree_size, node))
    return inclusion_json(entry, index, path, head)


def consistency_document(db: Session, first: TreeHead, second: TreeHead) -> dict[str, Any]:
    """``labels.auditlog``'s consistency proof from head ``first`` to head ``second``."""
    proof: Sequence[bytes] = _run(
        db, lambda node: consistency_path(first.tree_size, second.tree_size, node))
    return consistency_json(first, second, proof)


def check_stored(db: Session, tree: MerkleTree) -> tuple[int | None, str] | None:
    """Compare the stored nodes and signed heads with ``tree``, rebuilt from the entries.

    Returns ``(first bad seq, reason)`` for the first difference, ``None`` if all agree. A
    stored node that differs would make later heads and proofs wrong; a signed head whose root
    the entries no longer give means history was rewritten after it was handed out, and one
    larger than the log that entries were removed from the end.
    """
    n = len(tree)
    stored_levels = set(db.scalars(select(AuditNode.level).distinct()))
    for level in sorted(stored_levels | set(range(1, tree.levels()))):
        rows = db.execute(select(AuditNode.idx, AuditNode.hash).where(AuditNode.level == level)
                          .order_by(AuditNode.idx)).all()
        expected = tree.nodes_at(level) if 0 < level < tree.levels() else []
        for i, want in enumerate(expected):
            if i >= len(rows) or rows[i].idx != i or rows[i].hash != want.hex():
                return (i << level) + 1, (f"Merkle node {i} of level {level} differs from "
                                          "the entries")
        if len(rows) > len(expected):
            return n + 1, f"Merkle nodes of level {level} beyond the log: entries removed"
    for head in stored_heads(db):
        when = dt.datetime.fromtimestamp(head.timestamp / 1000, dt.UTC).isoformat()
        if head.tree_size > n:
            return n + 1, (f"a signed tree head of {head.tree_size} entries was handed out at "
                           f"{when}: entries removed from the end")
        if tree.root(head.tree_size) != head.root_hash:
            return head.tree_size, (f"the signed tree head of {head.tree_size} entries "
                                    f"(handed out at {when}) no longer matches: history "
                                    f"rewritten between entries 1 and {head.tree_size}")
    return None
