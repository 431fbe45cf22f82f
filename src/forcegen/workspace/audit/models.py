"""The ``audit_log`` and ``audit_head`` tables, and the Merkle log's nodes and signed heads."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from forcegen.workspace.database import Base

__all__ = ["AuditEntry", "AuditHead", "AuditNode", "AuditTreeHead"]


class AuditEntry(Base):
    """One change: who, when, what, before and after.

    ``hash`` is SHA-256 over ``prev_hash`` and the canonical JSON of the entry, so changing,
    removing or reordering any row breaks the chain (see ``audit.service.verify``).
    ``at`` is an ISO-8601 UTC string so that the hashed text is identical on every backend.
    """

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40), index=True)
    actor: Mapped[str | None] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(50), index=True)
    entity: Mapped[str] = mapped_column(String(50), index=True)
    entity_id: Mapped[str | None] = mapped_column(String(200), index=True)
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    #: RFC 6962 leaf hash of the entry's canonical JSON: leaf ``seq - 1`` of the Merkle log
    #: (``audit.tree``). Null only for a row not written by the workspace (verify says so).
    leaf_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AuditHead(Base):
    """Single row holding the chain's last sequence number and hash.

    Appending locks this row first, which serializes writers so the chain never forks, and
    lets :func:`verify` notice rows cut off the end.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditNode(Base):
    """A complete, aligned subtree of the Merkle log above the leaves (level >= 1).

    Node ``(level, idx)`` hashes leaves ``idx * 2**level`` to ``(idx + 1) * 2**level - 1``;
    the leaves themselves are ``audit_log.leaf_hash``. Kept so that appending costs O(log n)
    hashes and a proof O(log² n) node reads, never a pass over the log.
    """

    __tablename__ = "audit_node"

    level: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))


class AuditTreeHead(Base):
    """A signed tree head handed out (RFC 6962 ``TreeHeadSignature``, Ed25519).

    Kept so that the audit page shows the latest, and so that verification checks that every
    head ever handed out still matches the entries (history rewritten after it was signed).
    """

    __tablename__ = "audit_tree_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, index=True)
    root_hash: Mapped[str] = mapped_column(String(64))
    #: Milliseconds since 1970, UTC (what the signature covers).
    timestamp: Mapped[int] = mapped_column(BigInteger)
    key_id: Mapped[str] = mapped_column(String(40))
    signature: Mapped[str] = mapped_column(String(128))
