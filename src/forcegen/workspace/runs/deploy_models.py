"""The ``deployment_runs`` table: the force's movement planned over the workspace's data."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column

from forcegen.workspace.database import Base
from forcegen.workspace.runs.models import RunRecord

__all__ = ["DeploymentRun"]


class DeploymentRun(RunRecord, Base):
    """One execution of the deployment planner (``forcegen.deployment``) over the workspace.

    The same life and label rules as a sourcing run (``runs.models.SourcingRun``): queued ->
    running -> done or failed; labelled with its cap until done, then with the high-water
    mark of the data it used. ``result`` is ``DeploymentResult.to_dict()`` with ``use`` (lift
    and ports in use by day).
    """

    __tablename__ = "deployment_runs"

    #: What-ifs (``runs.deploy_whatif``): ``{"without": [...], "withdraw": [...],
    #: "lift": {id: n}, "c_day_shift": n}``; NULL for the plan as the data stand.
    options: Mapped[dict[str, Any] | None] = mapped_column(JSON)
