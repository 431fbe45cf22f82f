"""The ``deployment_runs`` table: the force's movement planned over the workspace's data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from forcegen.workspace.database import Base, UTCDateTime, utcnow
from forcegen.workspace.records import StoredLabel

__all__ = ["DeploymentRun"]


class DeploymentRun(StoredLabel, Base):
    """One execution of the deployment planner (``forcegen.deployment``) over the workspace.

    The same life and label rules as a sourcing run (``runs.models.SourcingRun``): queued ->
    running -> done or failed; labelled with its cap until done, then with the high-water
    mark of the data it used.
    """

    __tablename__ = "deployment_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str | None] = mapped_column(String(500))
    #: What-ifs (``runs.deploy_whatif``): ``{"without": [...], "withdraw": [...],
    #: "lift": {id: n}, "c_day_shift": n}``; NULL for the plan as the data stand.
    options: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    started_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: ``DeploymentResult.to_dict()`` with ``use`` (lift and ports in use by day).
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    classification: Mapped[int] = mapped_column(default=0, server_default="0")
    releasable_to: Mapped[str | None] = mapped_column(String(1500))
