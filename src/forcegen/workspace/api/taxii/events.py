"""Server-Sent Events: new objects of a collection pushed to each reader as they are added.

``GET /taxii2/forcegen/collections/{id}/events/`` (``Accept: text/event-stream``; an extension
of this server, not a TAXII 2.1 endpoint) streams one event per object added after the
stream starts, in the order added, each only if the reader's clearances release its label
and its signature holds::

    id: 4711
    event: object
    data: {"type": "indicator", ...}

The event id is the object's position in the store. A client that reconnects with
``Last-Event-ID`` (or ``?last_event_id=``) gets every visible object added after that one,
without loss or duplicates, whichever server process it reconnects to. New objects arrive
through the process's feed of the collection (:mod:`~forcegen.workspace.api.taxii.hub`),
woken by PostgreSQL NOTIFY from any process (or by a commit in this one); positions become
visible in commit order within a collection (``store.add_objects`` locks it), so a position
once passed is never overtaken. A comment line every :data:`HEARTBEAT_SECONDS` keeps idle
connections open through proxies. What the streams delivered is recorded in the audit trail
(``intel_read``) by the hub, for all of them in one transaction every few seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from starlette.responses import StreamingResponse

from forcegen.workspace.api.deps import AuthDep, SessionDep
from forcegen.workspace.api.taxii.hub import Event, Hub, catch_up
from forcegen.workspace.api.taxii.media import TAXII_PREFIX
from forcegen.workspace.errors import Invalid, NotFound
from forcegen.workspace.intel import store
from forcegen.workspace.intel.readers import reader_for

__all__ = ["HEARTBEAT_SECONDS", "router"]

HEARTBEAT_SECONDS = 15.0

router = APIRouter(prefix=TAXII_PREFIX, tags=["taxii"], include_in_schema=False)


def _last_id(request: Request) -> int | None:
    raw = request.headers.get("last-event-id") or request.query_params.get("last_event_id")
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise Invalid("Last-Event-ID: expected the id of an event this stream sent",
                      field="Last-Event-ID")
    return int(raw)


@router.get("/{api_root}/collections/{collection_id}/events/")
def events(api_root: str, collection_id: str, request: Request, db: SessionDep,
           auth: AuthDep) -> StreamingResponse:
    """Stream the visible objects added to a collection (Server-Sent Events)."""
    if api_root != "forcegen":
        raise NotFound("API root")
    visible = store.LabelFilter(reader_for(auth.user))
    collection = store.get_collection(db, visible, collection_id)
    after = _last_id(request)
    hub: Hub = request.app.state.intel_hub
    audit = request.app.state.settings.intel_audit_reads
    stream = _Stream(request, hub, collection.id, visible, auth.user.username, audit)
    return StreamingResponse(stream.run(after), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


class _Stream:
    """One subscriber: its reader's filter, its position and what to audit."""

    def __init__(self, request: Request, hub: Hub, cid: str, visible: store.LabelFilter,
                 actor: str, audit: bool) -> None:
        self.request, self.hub, self.cid = request, hub, cid
        self.visible, self.audit = visible, audit
        self.trail = hub.read_trail(actor, cid)

    def _frames(self, events: list[Event]) -> bytes:
        out = []
        for e in events:
            if self.visible(e.label):
                out.append(e.frame)  # encoded once per process, shared by every stream
                if self.audit:
                    self.trail.add(e.label, e.object_id, e.version)
        return b"".join(out)

    async def run(self, after: int | None) -> AsyncIterator[bytes]:
        """The event stream from ``after`` (``None``: from now)."""
        feed, waiter = await self.hub.subscribe(self.cid)
        position = feed.last if after is None else after
        try:
            yield b"retry: 1000\n\n"
            idle = time.monotonic()
            while True:
                waiter.clear()
                events = feed.since(position)
                if events is None:  # too far back for the buffer: read the database
                    events, position = await asyncio.to_thread(
                        catch_up, self.hub, self.cid, position, feed.floor)
                elif events:
                    position = events[-1].seq
                data = self._frames(events) if events else b""
                if data:
                    idle = time.monotonic()
                    yield data
                elif time.monotonic() - idle >= HEARTBEAT_SECONDS:
                    idle = time.monotonic()
                    yield b": keep-alive\n\n"
                if feed.since(position) == []:
                    try:
                        # asyncio.timeout, not wait_for: no task made per wait per stream.
                        async with asyncio.timeout(1.0):
                            await waiter.wait()
                    except TimeoutError:
                        # Asked only when idle: the server's own disconnect listener cancels
                        # a stream anyway (ASGI < 2.4), a failed send ends it, and asking on
                        # every wake cost a receive per subscriber per event.
                        if await self.request.is_disconnected():
                            return
        finally:
            self.hub.unsubscribe(feed, waiter)

