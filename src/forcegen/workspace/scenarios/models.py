"""The ``workspace_meta`` table: scenario-level settings and sections not stored as rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from forcegen.workspace.database import Base

__all__ = ["WorkspaceMeta"]


class WorkspaceMeta(Base):
    """Key/value settings: ``name``, ``currency``, ``depot_sites``, ``x-...`` keys ..."""

    __tablename__ = "workspace_meta"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
