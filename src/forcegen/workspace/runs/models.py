"""The ``sourcing_runs`` table."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_args

from sqlalchemy import JSON, Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from forcegen.workspace.database import Base, UTCDateTime, utcnow
from forcegen.workspace.records import StoredLabel

__all__ = ["RUN_STATES", "RunState", "SourcingRun"]

#: A run's life: queued -> running -> done or failed.
RunState = Literal["queued", "running", "done", "failed"]
RUN_STATES: tuple[RunState, ...] = get_args(RunState)


class SourcingRun(StoredLabel, Base):
    """One execution of the sourcing optimizer over the workspace's current data."""

    __tablename__ = "sourcing_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    #: Name of the ``forcegen.sourcing.progress.Stage`` the run is at (``DONE`` when done).
    stage: Mapped[str | None] = mapped_column(String(20))
    message: Mapped[str | None] = mapped_column(String(500))
    include: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: What-if options (``runs.whatif``): ``{"withdraw": [...], "lift_caveats": [...],
    #: "ceilings": {nation: personnel or null}}``; NULL for a run without what-ifs.
    whatif: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    started_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: ``Plan.to_dict()``: status, objective, assignments, shortfalls (with reasons), gap ...
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    #: The high-water mark of the data the run used: its default policy's view (the label
    #: itself is in the ``StoredLabel`` columns, ``forcegen.workspace.label_store``).
    classification: Mapped[int] = mapped_column(default=0, server_default="0")
    releasable_to: Mapped[str | None] = mapped_column(String(1500))
