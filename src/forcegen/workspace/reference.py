"""Reference data every domain package refers to: the nations and the workspace's settings.

A pledge, a user account and a scenario all name a nation; a pledge's home base and a sourcing
run both look up the network's node ids in the scenario-level settings. Keeping these two tables
(and the node-id lookup) on the ground floor, next to the user model, lets the domain packages
depend on them without depending on each other: ``nations`` (its API shapes and service) sits
above ``pledges`` and ``users``, which only need the table.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from forcegen.exceptions import one_of
from forcegen.workspace.database import Base

__all__ = ["Nation", "WorkspaceMeta", "node_ids", "one_of"]


class Nation(Base):
    """A nation taking part (ISO 3166-1 alpha-3 code)."""

    __tablename__ = "nations"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    ceiling_personnel: Mapped[int | None]
    #: Optimistic lock, as on requirements and pledges: a change based on an older version
    #: (two planners editing a ceiling at once) is refused with 409, never silently lost.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    #: ``x-...`` extension keys from the scenario file, kept for export.
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy's own attribute)


class WorkspaceMeta(Base):
    """Key/value settings: ``name``, ``currency``, ``depot_sites``, ``x-...`` keys ..."""

    __tablename__ = "workspace_meta"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)


def node_ids(meta: dict[str, Any], files: dict[str, str]) -> set[str] | None:
    """Network node ids of the scenario's side tables, or ``None`` if it has no network.

    ``nodes`` lists them (``id`` column); without it, the ends of the ``network`` edges.
    """
    for key, cols in (("nodes", ("id",)), ("network", ("from", "to"))):
        name = meta.get(key)
        if not isinstance(name, str):
            continue
        text = files.get(name)
        if text is None or (key == "network" and not name.lower().endswith(".csv")):
            continue
        rows = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        return {str(r.get(c) or "").strip() for r in rows for c in cols} - {""}
    return None
