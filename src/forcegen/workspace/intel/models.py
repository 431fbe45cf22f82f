"""The intel tables: collections, objects, status resources, secrets and sync records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from forcegen.workspace.database import Base, UTCDateTime, utcnow

__all__ = ["IntelCollection", "IntelObject", "IntelPull", "IntelSecret", "IntelStatus",
           "IntelSync"]


class IntelCollection(Base):
    """A TAXII collection: the objects one community or partnership shares.

    ``label`` (4774 JSON) decides who sees the collection at all, e.g. NATO UNCLASSIFIED
    releasable to GBR and NZL for the two nations' partnership; each object then has its own.
    """

    __tablename__ = "intel_collections"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    label: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class IntelObject(Base):
    """One version of one STIX object in one collection, with its label and signature.

    ``seq`` orders additions (with ``date_added``) for paging; ``version`` is the object's
    ``modified`` (else ``created``, else the time it was added) normalised to microseconds so
    that text order is time order; ``body`` is the object's JSON exactly as served. A label
    marking definition is stored as an object too, with the label it carries.
    """

    __tablename__ = "intel_objects"
    __table_args__ = (
        UniqueConstraint("collection_id", "object_id", "version"),
        Index("ix_intel_objects_page", "collection_id", "date_added", "seq"),
        Index("ix_intel_objects_object", "collection_id", "object_id"),
    )

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    collection_id: Mapped[str] = mapped_column(
        ForeignKey("intel_collections.id", ondelete="CASCADE"))
    object_id: Mapped[str] = mapped_column(String(120))
    type: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    spec_version: Mapped[str] = mapped_column(String(8))
    date_added: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    body: Mapped[str] = mapped_column(Text)
    #: The 4774 label (canonical JSON) and the binding (key id, time, digest, signature).
    label: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(Text)
    #: The label marking definition that carries the label (its own id for a marking row).
    marking_id: Mapped[str] = mapped_column(String(120))
    sector: Mapped[str | None] = mapped_column(String(64), index=True)
    added_by: Mapped[str | None] = mapped_column(String(100))


class IntelStatus(Base):
    """A TAXII status resource: the outcome of one objects POST, seen only by its poster."""

    __tablename__ = "intel_status"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)


class IntelSecret(Base):
    """Secrets the server processes share (the paging cursor's HMAC key), by name."""

    __tablename__ = "intel_secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class IntelSync(Base):
    """What crossed to or from a federated peer: one version of one object, once.

    ``direction`` is ``in`` (received from ``peer``: never sent back to it) or ``out`` (sent
    to ``peer``: not sent again). A new version is a new row, so a changed object crosses.
    """

    __tablename__ = "intel_sync"
    __table_args__ = (
        UniqueConstraint("peer", "direction", "collection_id", "object_id", "version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    peer: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(3))
    collection_id: Mapped[str] = mapped_column(
        ForeignKey("intel_collections.id", ondelete="CASCADE"))
    object_id: Mapped[str] = mapped_column(String(120))
    version: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class IntelPull(Base):
    """Where pulling a peer's collection into a local one got to (the ``added_after`` bookmark).

    ``added_after``: the ``X-TAXII-Date-Added-Last`` of the last page of the last complete
    pull (``None``: never pulled); the next pull asks only for what was added after it.
    """

    __tablename__ = "intel_pull"

    peer: Mapped[str] = mapped_column(String(64), primary_key=True)
    collection_id: Mapped[str] = mapped_column(
        ForeignKey("intel_collections.id", ondelete="CASCADE"), primary_key=True)
    remote_collection: Mapped[str] = mapped_column(String(36), primary_key=True)
    added_after: Mapped[str | None] = mapped_column(String(40))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
