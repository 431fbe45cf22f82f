"""The ``capabilities`` table: capability types a scenario adds to the built-in catalog."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from forcegen.workspace.database import Base

__all__ = ["CatalogEntry"]


class CatalogEntry(Base):
    """A capability type defined by the scenario (on top of the built-in catalog)."""

    __tablename__ = "capabilities"

    code: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30))
    symbol: Mapped[str | None] = mapped_column(String(100))
    personnel: Mapped[int | None]
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
