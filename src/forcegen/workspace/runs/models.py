"""The ``sourcing_runs`` table, and the columns every kind of run shares (:class:`RunRecord`)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_args

from sqlalchemy import JSON, Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from forcegen.workspace.database import Base, UTCDateTime, utcnow
from forcegen.workspace.records import StoredLabel

__all__ = ["RUN_STATES", "RunRecord", "RunState", "SourcingRun"]

#: A run's life: queued -> running -> done or failed.
RunState = Literal["queued", "running", "done", "failed"]
RUN_STATES: tuple[RunState, ...] = get_args(RunState)


class RunRecord(StoredLabel):
    """The life and label of a background run: what ``runs.lifecycle`` reads and writes.

    A mixin, so that each kind of run keeps its own table (sourcing and deployment runs are
    listed, numbered and labelled apart) while one implementation serves them both.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str | None] = mapped_column(String(500))
    started_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: The stored plan document (each kind's own shape); NULL until done.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    #: The high-water mark of the data the run used: its default policy's view (the label
    #: itself is in the ``StoredLabel`` columns, ``forcegen.workspace.label_store``).
    classification: Mapped[int] = mapped_column(default=0, server_default="0")
    releasable_to: Mapped[str | None] = mapped_column(String(1500))


class SourcingRun(RunRecord, Base):
    """One execution of the sourcing optimizer over the workspace's current data.

    ``result`` is ``Plan.to_dict()``: status, objective, assignments, shortfalls (with
    reasons), gap ...
    """

    __tablename__ = "sourcing_runs"

    #: Name of the ``forcegen.sourcing.progress.Stage`` the run is at (``DONE`` when done).
    stage: Mapped[str | None] = mapped_column(String(20))
    include: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: What-if options (``runs.whatif``): ``{"withdraw": [...], "lift_caveats": [...],
    #: "ceilings": {nation: personnel or null}}``; NULL for a run without what-ifs.
    whatif: Mapped[dict[str, Any] | None] = mapped_column(JSON)
