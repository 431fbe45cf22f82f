"""The ``audit_log`` and ``audit_head`` tables."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from forcegen.workspace.database import Base

__all__ = ["AuditEntry", "AuditHead"]


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


class AuditHead(Base):
    """Single row holding the chain's last sequence number and hash.

    Appending locks this row first, which serializes writers so the chain never forks, and
    lets :func:`verify` notice rows cut off the end.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
