"""The relief tables: events, requests, offers, every change of an offer's status, and runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from forcegen.workspace.database import Base, UTCDateTime, utcnow
from forcegen.workspace.records import Labelled, StoredLabel, Versioned

__all__ = ["ReliefEvent", "ReliefOffer", "ReliefRequest", "ReliefRun", "ReliefStatusStep"]


class ReliefEvent(Labelled, Versioned, Base):
    """A disaster the requests answer; hours count from ``started``.

    ``items`` are the relief items (not military capabilities) its requests and offers may
    name: ``[{"id", "name", "unit"}]``.
    """

    __tablename__ = "relief_events"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    #: ``[lon, lat]`` or NULL.
    at: Mapped[Any] = mapped_column(JSON, nullable=True)
    started: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: The event's airfields and ports (``[{"id", "at", "name", "open"}]``; NULL: the shipped
    #: ones) and planning settings (the core's ``relief.settings``; NULL: its defaults).
    airfields: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    ports: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    settings: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_by: Mapped[str | None] = mapped_column(String(100))
    updated_by: Mapped[str | None] = mapped_column(String(100))


class ReliefRequest(Labelled, Versioned, Base):
    """What an affected government asks for: a capability or item, how many, where, by when."""

    __tablename__ = "relief_requests"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    event: Mapped[str] = mapped_column(ForeignKey("relief_events.id", ondelete="RESTRICT"))
    capability: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int]
    #: ``[lon, lat]``.
    at: Mapped[Any] = mapped_column(JSON)
    place: Mapped[str | None] = mapped_column(String(200))
    by_hours: Mapped[float] = mapped_column(Float)
    priority: Mapped[int] = mapped_column(default=1)
    name: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str | None] = mapped_column(String(100))
    updated_by: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (Index("ix_relief_requests_event_id", "event", "id"),)


class ReliefOffer(Labelled, Versioned, Base):
    """What a nation offers for an event, from where, at what notice and by which mode.

    ``nation`` is a foreign key to the nations table (migration 0016); a scenario import keeps
    the nations offers name, as it keeps users' nations.
    """

    __tablename__ = "relief_offers"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    event: Mapped[str] = mapped_column(ForeignKey("relief_events.id", ondelete="RESTRICT"))
    nation: Mapped[str] = mapped_column(ForeignKey("nations.code", ondelete="RESTRICT"))
    capability: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int]
    home: Mapped[Any] = mapped_column(JSON)
    notice_hours: Mapped[float] = mapped_column(Float, default=0.0)
    mode: Mapped[str] = mapped_column(String(8), default="air")
    speed: Mapped[float | None] = mapped_column(Float)
    cost: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(20), default="offered")
    #: The request a committed, in-transit or delivered offer is held for.
    request: Mapped[str | None] = mapped_column(
        ForeignKey("relief_requests.id", ondelete="RESTRICT")
    )
    name: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str | None] = mapped_column(String(100))
    updated_by: Mapped[str | None] = mapped_column(String(100))
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status_changed_by: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (
        Index("ix_relief_offers_event_id", "event", "id"),
        Index("ix_relief_offers_nation_id", "nation", "id"),
        Index("ix_relief_offers_request", "request"),
    )


class ReliefStatusStep(Base):
    """One change of an offer's status: from, to, for which request, who and when."""

    __tablename__ = "relief_offer_steps"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    offer: Mapped[str] = mapped_column(
        ForeignKey("relief_offers.id", ondelete="CASCADE"), index=True
    )
    before: Mapped[str | None] = mapped_column(String(20))
    after: Mapped[str] = mapped_column(String(20))
    request: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(String(200))


class ReliefRun(StoredLabel, Base):
    """One matching run over an event's data, kept: who, when, over what, with what result.

    Like a sourcing run it carries the high-water label of the data it used, so only those
    cleared for all of it see it. ``input_hash`` is the SHA-256 of the core's relief section
    and the what-ifs as matched: two runs with the same hash saw the same data.
    """

    __tablename__ = "relief_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(
        ForeignKey("relief_events.id", ondelete="CASCADE"), index=True
    )
    started_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    input_hash: Mapped[str] = mapped_column(String(64))
    #: ``{"close": [...], "withdraw": [...], "time_limit": s}``.
    options: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: ``optimal`` (proven best) or ``feasible``.
    status: Mapped[str] = mapped_column(String(10))
    #: The plan as the match route returns it (``ReliefPlan.to_dict()`` with routes).
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    classification: Mapped[int] = mapped_column(default=0, server_default="0")
    releasable_to: Mapped[str | None] = mapped_column(String(1500))
