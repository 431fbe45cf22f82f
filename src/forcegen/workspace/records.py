"""What every labelled, versioned record shares: its columns, its version check, its update.

Requirements and pledges (and whatever domain comes next) carry the same label, version and
timestamp columns and are changed the same way: check the version the change was based on (409
with the current record if stale), apply the changes, stamp who and when, flush (the UPDATE
carries ``WHERE version = :old``, so a racing writer gets 409 too). Written once here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from forcegen.workspace.database import UTCDateTime, utcnow
from forcegen.workspace.errors import Conflict

__all__ = ["Labelled", "StoredLabel", "Versioned", "apply_changes", "check_version"]


class StoredLabel:
    """A ``forcegen.labels`` label as stored (``forcegen.workspace.label_store``).

    ``label`` (its JSON) is the authority; the policy, rank and token columns let SQL
    pre-filter; ``label_open`` is 1 when the label has no category (only its classification
    decides), 0 otherwise, so a list can see cheaply whether any row could be hidden. All
    ``NULL``: the legacy label of ``classification`` and ``releasable_to`` (migration 0007).
    """

    label: Mapped[str | None] = mapped_column(Text)
    label_policy: Mapped[str | None] = mapped_column(String(32))
    label_rank: Mapped[int | None]
    label_restrictive: Mapped[str | None] = mapped_column(Text)
    label_permissive: Mapped[str | None] = mapped_column(Text)
    label_open: Mapped[int | None]


class Labelled(StoredLabel):
    """Label columns (``forcegen.workspace.label_store``).

    ``classification`` is the default policy's view of the label, a rank on the workspace's
    five-level scale; ``releasable_to`` is ``",FRA,GBR,"`` or NULL (releasable to the whole
    coalition); the label itself is in :class:`StoredLabel`'s columns.
    """

    classification: Mapped[int] = mapped_column(default=0, server_default="0")
    releasable_to: Mapped[str | None] = mapped_column(String(1500))


class Versioned:
    """``version`` as SQLAlchemy's optimistic lock, and when the record was made and changed.

    SQLAlchemy adds ``WHERE version = :old`` to every UPDATE and DELETE, so a concurrent change
    can never be silently overwritten.
    """

    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        """The version column is SQLAlchemy's optimistic lock."""
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


def check_version(row: Any, version: int, read: type[BaseModel]) -> None:
    """409 unless ``version`` is ``row``'s current one; the body carries the record as it is.

    Parameters
    ----------
    row
        The stored record (a :class:`Versioned` model).
    version
        The version the caller's change was based on.
    read
        The API's read model of the record, for the ``current`` field of the 409 body.
    """
    if row.version != version:
        raise Conflict(
            f"version {version} is out of date; the record is now at version {row.version}",
            field="version",
            current=read.model_validate(row).model_dump(mode="json"),
        )


def apply_changes(row: Any, changes: dict[str, Any], username: str) -> None:
    """Set ``changes`` on ``row`` and stamp the change (``updated_at``, ``updated_by`` if kept).

    The caller has checked the version, the values and the label (``access.relabel``) and
    flushes afterwards.
    """
    for key, value in changes.items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    if hasattr(row, "updated_by"):
        row.updated_by = username
