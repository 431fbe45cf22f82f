"""The ``sectors`` table: areas of operations that requirement lines are placed in."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from forcegen.workspace.database import Base

__all__ = ["Sector"]


class Sector(Base):
    """An area of operations that requirement lines are placed in."""

    __tablename__ = "sectors"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    node: Mapped[str | None] = mapped_column(String(200))
    demand: Mapped[float] = mapped_column(Float, default=1.0)
    stocks: Mapped[dict[str, float] | None] = mapped_column(JSON)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
