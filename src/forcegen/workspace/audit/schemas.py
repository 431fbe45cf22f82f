"""API shapes of the audit trail."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from forcegen.workspace.audit.service import MAX_AT, MAX_SEQ, check_utc_time

__all__ = [
    "MAX_ANCHORS",
    "AuditAnchor",
    "AuditAnchorVerify",
    "AuditAnchorVerifyRead",
    "AuditRead",
    "AuditTreeHead",
    "AuditVerifyRead",
]

#: Most anchors one ``POST /audit/verify`` may carry (about 1.3 MB of JSON).
MAX_ANCHORS = 10_000


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
    #: RFC 6962 leaf hash: the entry is leaf ``seq - 1`` of the signed Merkle log.
    leaf_hash: str | None = None


class AuditVerifyRead(BaseModel):
    """Result of recomputing the hash chain."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None


class AuditAnchorVerifyRead(AuditVerifyRead):
    """Result of recomputing the chain and checking it against published anchors."""

    anchors_checked: int


class AuditAnchor(BaseModel):
    """A checkpoint of the chain: entry ``seq`` had hash ``hash``; ``at`` is when it was taken.

    The same object as one line of an anchors file (``forcegen audit anchor``).
    """

    model_config = ConfigDict(extra="forbid")

    seq: int = Field(ge=0, le=MAX_SEQ, strict=True)
    hash: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256, lowercase hex")
    at: str = Field(max_length=MAX_AT, description="ISO-8601 time in UTC")

    @field_validator("at")
    @classmethod
    def _utc(cls, value: str) -> str:
        return check_utc_time(value)


class AuditTreeHead(BaseModel):
    """A signed tree head of the Merkle log, as ``GET /audit/tree-head`` gave it."""

    model_config = ConfigDict(extra="forbid")

    tree_size: int = Field(ge=0, le=MAX_SEQ, strict=True)
    root_hash: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256, lowercase hex")
    timestamp: int = Field(ge=0, le=MAX_SEQ, strict=True, description="ms since 1970, UTC")
    key_id: str = Field(max_length=40)
    signature: str = Field(pattern=r"^[0-9a-f]{128}$", description="Ed25519, lowercase hex")


class AuditAnchorVerify(BaseModel):
    """Anchors to check the log against (published earlier, kept outside the database).

    ``anchors``: chain heads (may be empty); ``heads``: signed tree heads, checked with the keys
    of the workspace and by a consistency proof to the log now.
    """

    model_config = ConfigDict(extra="forbid")

    anchors: Annotated[list[AuditAnchor], Field(max_length=MAX_ANCHORS)]
    heads: Annotated[list[AuditTreeHead], Field(max_length=MAX_ANCHORS)] = []
