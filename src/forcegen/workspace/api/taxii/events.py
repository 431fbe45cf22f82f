"""Server-Sent Events: new objects of a collection pushed to each reader as they are added.

``GET /taxii2/forcegen/collections/{id}/events/`` (``Accept: text/event-stream``; an extension
of this server, not a TAXII 2.1 endpoint) streams one event per object added after the
stream starts, in the order added, each only if the reader's clearances release its label::

    id: 4711
    event: object
    data: {"type": "indicator", ...}

The event id is the object's position in the store. A client that reconnects with
``Last-Event-ID`` (or ``?last_event_id=``) gets every visible object added after that one,
without loss or duplicates, whichever server process it reconnects to: the stream reads the
shared database (every :data:`POLL_SECONDS`), so every process sees every addition. A comment
line every :data:`HEARTBEAT_SECONDS` keeps idle connections open through proxies.

On SQLite writes are serialised, so positions become visible in order. On PostgreSQL a
transaction can commit after one that started later; the stream therefore only passes a
position once it is :data:`SETTLE_SECONDS` old, which covers the short transactions of an add.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.responses import StreamingResponse

from forcegen.workspace.api.deps import AuthDep, SessionDep
from forcegen.workspace.api.taxii.media import TAXII_PREFIX
from forcegen.workspace.database import utcnow
from forcegen.workspace.errors import Invalid, NotFound
from forcegen.workspace.intel import store
from forcegen.workspace.intel.models import IntelObject
from forcegen.workspace.intel.readers import reader_for

__all__ = ["HEARTBEAT_SECONDS", "POLL_SECONDS", "SETTLE_SECONDS", "router"]

POLL_SECONDS = 0.25
HEARTBEAT_SECONDS = 15.0
SETTLE_SECONDS = 0.5
_BATCH = 500

router = APIRouter(prefix=TAXII_PREFIX, tags=["taxii"], include_in_schema=False)


def _last_id(request: Request) -> int | None:
    raw = request.headers.get("last-event-id") or request.query_params.get("last_event_id")
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise Invalid("Last-Event-ID: expected the id of an event this stream sent",
                      field="Last-Event-ID")
    return int(raw)


def _poll(factory: sessionmaker[Session], collection_id: str, after: int, settle: bool
          ) -> list[tuple[int, str, str]]:
    """Rows added after position ``after``: (position, label, body), oldest first."""
    with factory() as db:
        stmt = select(IntelObject.seq, IntelObject.label, IntelObject.body).where(
            IntelObject.collection_id == collection_id, IntelObject.seq > after)
        if settle:
            cutoff = utcnow() - dt.timedelta(seconds=SETTLE_SECONDS)
            stmt = stmt.where(IntelObject.date_added <= cutoff)
        rows = db.execute(stmt.order_by(IntelObject.seq).limit(_BATCH)).all()
    return [(int(s), str(label), str(body)) for s, label, body in rows]


def _head(db: Session, collection_id: str) -> int:
    found = db.scalar(select(func.max(IntelObject.seq)).where(
        IntelObject.collection_id == collection_id))
    return int(found or 0)


@router.get("/{api_root}/collections/{collection_id}/events/")
def events(api_root: str, collection_id: str, request: Request, db: SessionDep,
           auth: AuthDep) -> StreamingResponse:
    """Stream the visible objects added to a collection (Server-Sent Events)."""
    if api_root != "forcegen":
        raise NotFound("API root")
    visible = store.LabelFilter(reader_for(auth.user))
    collection = store.get_collection(db, visible, collection_id)
    after = _last_id(request)
    start = _head(db, collection.id) if after is None else after
    factory = request.app.state.session_factory
    settle = db.get_bind().dialect.name == "postgresql"
    return StreamingResponse(_stream(request, factory, collection.id, start, visible, settle),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


async def _stream(request: Request, factory: Any, collection_id: str, after: int,
                  visible: store.LabelFilter, settle: bool) -> AsyncIterator[bytes]:
    yield b"retry: 1000\n\n"
    idle = 0.0
    while not await request.is_disconnected():
        rows = await run_in_threadpool(_poll, factory, collection_id, after, settle)
        sent = False
        for seq, label, body in rows:
            after = seq
            if visible(label):
                yield f"id: {seq}\nevent: object\ndata: {body}\n\n".encode()
                sent = True
        if len(rows) == _BATCH:
            continue
        idle = 0.0 if sent else idle + POLL_SECONDS
        if idle >= HEARTBEAT_SECONDS:
            idle = 0.0
            yield b": keep-alive\n\n"
        await asyncio.sleep(POLL_SECONDS)
