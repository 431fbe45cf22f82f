"""The ``pledges`` table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from forcegen.workspace.database import Base, UTCDateTime
from forcegen.workspace.records import Labelled, Versioned

__all__ = ["Pledge"]


class Pledge(Labelled, Versioned, Base):
    """Units a nation offers against the requirements.

    ``version`` is the optimistic lock (``records.Versioned``): a concurrent change can never
    be silently overwritten.
    """

    __tablename__ = "pledges"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    nation: Mapped[str] = mapped_column(ForeignKey("nations.code", ondelete="RESTRICT"))
    capability: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int]
    personnel: Mapped[int]
    notice_days: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), default="offered")
    cost: Mapped[float] = mapped_column(Float, default=0.0)
    #: ``[lon, lat]`` or a network node id.
    home: Mapped[Any] = mapped_column(JSON, nullable=True)
    caveats: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    name: Mapped[str | None] = mapped_column(String(200))
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # classification, releasable_to (Labelled); version, created_at, updated_at (Versioned)
    created_by: Mapped[str | None] = mapped_column(String(100))
    updated_by: Mapped[str | None] = mapped_column(String(100))
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status_changed_by: Mapped[str | None] = mapped_column(String(100))

    # Each filter of the pledge list paired with its default sort key ``id`` (migration 0002):
    # a filtered page is read in order from the index, not sorted.
    __table_args__ = (
        Index("ix_pledges_nation_status", "nation", "status"),
        Index("ix_pledges_nation_id", "nation", "id"),
        Index("ix_pledges_status_id", "status", "id"),
        Index("ix_pledges_capability_id", "capability", "id"),
        # Probed by access.labels_may_hide on every list (migration 0003).
        Index("ix_pledges_classification", "classification"),
        # (releasable_to, id): also walks "releasable to all" rows already in page order.
        Index("ix_pledges_releasable_to_id", "releasable_to", "id"),
        # Probed with the two above: a label with categories may hide a row (migration 0007).
        Index("ix_pledges_label_open", "label_open"),
    )
