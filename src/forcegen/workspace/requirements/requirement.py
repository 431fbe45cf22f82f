"""The ``requirements`` table: the lines of the statement of requirements."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from forcegen.workspace.database import Base
from forcegen.workspace.records import Labelled, Versioned

__all__ = ["Requirement"]


class Requirement(Labelled, Versioned, Base):
    """One line of the statement of requirements."""

    __tablename__ = "requirements"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    capability: Mapped[str] = mapped_column(String(200), index=True)
    quantity: Mapped[int]
    sector: Mapped[str] = mapped_column(ForeignKey("sectors.id", ondelete="RESTRICT"), index=True)
    priority: Mapped[int] = mapped_column(default=1, index=True)
    notice_days: Mapped[float] = mapped_column(Float)
    start: Mapped[dt.date | None] = mapped_column(Date)
    months: Mapped[int | None]
    name: Mapped[str | None] = mapped_column(String(200))
    #: Certifications every unit on the line must hold before ``start`` (the core's
    #: ``Requirement.certified``, earned in the exercise programme); NULL: none asked.
    certified: Mapped[list[str] | None] = mapped_column(JSON)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # classification, releasable_to (Labelled); version, created_at, updated_at (Versioned)
