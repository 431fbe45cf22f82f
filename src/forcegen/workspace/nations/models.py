"""The ``nations`` table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from forcegen.workspace.database import Base

__all__ = ["Nation"]


class Nation(Base):
    """A nation taking part (ISO 3166-1 alpha-3 code)."""

    __tablename__ = "nations"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    ceiling_personnel: Mapped[int | None]
    #: ``x-...`` extension keys from the scenario file, kept for export.
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
