"""API shapes of the audit trail."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["AuditRead", "AuditVerifyRead"]


class AuditRead(BaseModel):
    """One audit entry."""

    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: str
    actor: str | None
    action: str
    entity: str
    entity_id: str | None
    before: Any = None
    after: Any = None
    prev_hash: str
    hash: str


class AuditVerifyRead(BaseModel):
    """Result of recomputing the hash chain."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None
