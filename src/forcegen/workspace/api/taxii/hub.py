"""One feed per collection per server process, woken by PostgreSQL NOTIFY or a local commit.

The event streams of a process share a :class:`Feed` per collection: one task reads the new
rows once (``seq`` above the last it read), checks each signature once
(:mod:`~forcegen.workspace.intel.integrity`; a failing row is withheld and audited), keeps
the recent ones in a bounded buffer and wakes every subscriber, who filters them by its own
reader's clearances. A hundred subscribers cost one query per burst of additions, not a
hundred.

The feed wakes on an announcement (:mod:`~forcegen.workspace.intel.notify`): on PostgreSQL a
listening connection per process (psycopg 3, ``LISTEN forcegen_intel``) receives the
NOTIFY of a commit in any process; in every case a commit in this process wakes it directly.
It also reads every :data:`FALLBACK_SECONDS` regardless (a lost connection, SQLite with
several processes), so nothing is ever missed, only later.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from forcegen.workspace.intel.integrity import Verifier
from forcegen.workspace.intel.models import IntelObject
from forcegen.workspace.intel.notify import CHANNEL, on_commit
from forcegen.workspace.intel.trail import Trail

__all__ = ["AUDIT_SECONDS", "BUFFER", "FALLBACK_SECONDS", "LISTENER_NAME", "Event", "Feed", "Hub",
           "catch_up", "head", "read_after"]

log = logging.getLogger(__name__)

#: The ``application_name`` of each process's LISTEN connection.
LISTENER_NAME = "forcegen-intel-listen"
#: Seconds between reads when nothing was announced (PostgreSQL, SQLite).
FALLBACK_SECONDS = {"postgresql": 2.0, "sqlite": 0.25}
#: Seconds between the records of what the streams delivered (one transaction for all).
AUDIT_SECONDS = 5.0
#: Recent events a feed keeps for subscribers that are slightly behind.
BUFFER = 5000
_BATCH = 500


@dataclass(frozen=True)
class Event:
    """One verified row: its position, label text, body, object id and version."""

    seq: int
    label: str
    body: str
    object_id: str
    version: str

    @functools.cached_property
    def frame(self) -> bytes:
        """The Server-Sent Event (encoded once, whatever the number of subscribers)."""
        return f"id: {self.seq}\nevent: object\ndata: {self.body}\n\n".encode()


def read_after(factory: sessionmaker[Session], verifier: Verifier, collection_id: str,
               after: int, limit: int = _BATCH) -> tuple[list[Event], int, bool]:
    """Verified rows after ``after`` (oldest first), the last position read, and whether more.

    The third value is true when ``limit`` rows were read (more may follow).

    Rows whose signature fails are left out and recorded (``intel_withheld``).
    """
    with factory() as db:
        rows = db.execute(select(IntelObject.seq, IntelObject.object_id, IntelObject.type,
                                 IntelObject.version, IntelObject.body, IntelObject.label,
                                 IntelObject.signature, IntelObject.marking_id)
                          .where(IntelObject.collection_id == collection_id,
                                 IntelObject.seq > after)
                          .order_by(IntelObject.seq).limit(limit)).all()
        bad = verifier.problems(db, collection_id, rows) if rows else {}
        if bad:
            trail = Trail("intel_withheld")
            for r in rows:
                if r.seq in bad:
                    trail.add(r.label, r.object_id, r.version, bad[r.seq])
            trail.write(db, None, collection_id)
            db.commit()
    last = int(rows[-1].seq) if rows else after
    return [Event(int(r.seq), r.label, r.body, r.object_id, r.version)
            for r in rows if r.seq not in bad], last, len(rows) == limit


def head(factory: sessionmaker[Session], collection_id: str) -> int:
    """The last position of a collection (0 when empty)."""
    with factory() as db:
        found = db.scalar(select(func.max(IntelObject.seq)).where(
            IntelObject.collection_id == collection_id))
    return int(found or 0)


@dataclass
class Feed:
    """The recent events of one collection and the subscribers waiting for more."""

    collection_id: str
    floor: int  # events after this position are all in ``events`` (or still to come)
    last: int
    events: list[Event] = field(default_factory=list)
    waiters: set[asyncio.Event] = field(default_factory=set)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    def since(self, after: int) -> list[Event] | None:
        """The buffered events after ``after``; ``None`` if some are no longer buffered."""
        if after < self.floor:
            return None
        lo, hi = 0, len(self.events)
        while lo < hi:  # first event with seq > after
            mid = (lo + hi) // 2
            if self.events[mid].seq <= after:
                lo = mid + 1
            else:
                hi = mid
        return self.events[lo:]


class Hub:
    """The feeds of one server process, and its PostgreSQL listener."""

    def __init__(self, factory: sessionmaker[Session], verifier: Callable[[], Verifier],
                 fallback: float | None = None) -> None:
        self.factory = factory
        self._verifier = verifier
        engine = factory.kw["bind"]
        self.dialect = engine.dialect.name
        self.fallback = fallback or FALLBACK_SECONDS.get(self.dialect, 0.25)
        self._url = engine.url
        self.feeds: dict[str, Feed] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self._stop = threading.Event()
        self._listener: threading.Thread | None = None
        self.listening = threading.Event()
        #: What the streams delivered and have yet to record: (actor, collection) -> trail.
        self.reads: dict[tuple[str, str], Trail] = {}
        self._flusher: asyncio.Task[None] | None = None

    @property
    def verifier(self) -> Verifier:
        """The verifier of the key list in force."""
        return self._verifier()

    # ------------------------------------------------------------------ waking
    def _wake(self, collection_id: str) -> None:
        """Wake a collection's feed (any thread)."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop is closing
            loop.call_soon_threadsafe(self._wake_in_loop, collection_id)

    def _wake_in_loop(self, collection_id: str) -> None:
        feed = self.feeds.get(collection_id)
        if feed is not None:
            feed.wake.set()

    def _wake_all(self) -> None:
        for cid in list(self.feeds):
            self._wake(cid)

    def start(self) -> None:
        """Start listening (once), from the event loop that serves the streams.

        Served by another loop than before (a server restarted in the same process), the
        feeds of the old one are dropped.
        """
        loop = asyncio.get_running_loop()
        if self.loop is loop:
            return
        first = self.loop is None
        self.loop = loop
        self.feeds = {}
        self._flusher = loop.create_task(self._flush_reads())
        if not first:
            return
        on_commit(self._wake)
        if self.dialect == "postgresql":
            self._listener = threading.Thread(target=self._listen, name="intel-listen",
                                              daemon=True)
            self._listener.start()

    def stop(self) -> None:
        """Stop the listener thread (the feeds end with their last subscriber)."""
        self._stop.set()

    def _listen(self) -> None:
        """LISTEN on PostgreSQL, reconnecting on failure; wake the feed of each NOTIFY."""
        import psycopg

        conninfo = self._url.set(drivername="postgresql").render_as_string(
            hide_password=False)
        while not self._stop.is_set():
            try:
                # Named, so that operators (and the tests) can tell it in pg_stat_activity.
                with psycopg.connect(conninfo, autocommit=True, connect_timeout=5,
                                     application_name=LISTENER_NAME) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    self._wake_all()  # anything announced while not listening
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=1.0):
                            self._wake(note.payload)
            except Exception as exc:  # any failure: reconnect, the fallback reads meanwhile
                self.listening.clear()
                log.warning("intel push: LISTEN connection lost (%s); reconnecting", exc)
                self._stop.wait(1.0)

    # ------------------------------------------------------------------ audit
    def read_trail(self, actor: str, collection_id: str) -> Trail:
        """The trail a stream notes its deliveries in (shared by the actor's streams)."""
        return self.reads.setdefault((actor, collection_id), Trail("intel_read"))

    async def flush_reads(self) -> None:
        """Record every stream's deliveries so far, in one transaction."""
        taken = [(actor, cid, t.take()) for (actor, cid), t in self.reads.items() if t]
        if taken:
            await asyncio.to_thread(_write_trails, self.factory, taken)

    async def _flush_reads(self) -> None:
        while True:
            await asyncio.sleep(AUDIT_SECONDS)
            try:
                await self.flush_reads()
            except Exception as exc:  # retried with the next batch
                log.warning("intel push: recording reads failed: %s", exc)

    # ------------------------------------------------------------------ feeds
    async def subscribe(self, collection_id: str) -> tuple[Feed, asyncio.Event]:
        """Join a collection's feed (started on first use); the event set on new rows."""
        self.start()
        feed = self.feeds.get(collection_id)
        if feed is None:
            top = await asyncio.to_thread(head, self.factory, collection_id)
            feed = self.feeds.get(collection_id)  # another subscriber may have made it
            if feed is None:
                feed = self.feeds[collection_id] = Feed(collection_id, top, top)
                feed.task = asyncio.create_task(self._run(feed))
        waiter = asyncio.Event()
        feed.waiters.add(waiter)
        return feed, waiter

    def unsubscribe(self, feed: Feed, waiter: asyncio.Event) -> None:
        """Leave a feed; the last subscriber out ends it."""
        feed.waiters.discard(waiter)
        if not feed.waiters and self.feeds.get(feed.collection_id) is feed:
            del self.feeds[feed.collection_id]
            if feed.task is not None:
                feed.task.cancel()

    async def _run(self, feed: Feed) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(feed.wake.wait(), self.fallback)
            feed.wake.clear()
            while True:
                try:
                    events, last, full = await asyncio.to_thread(
                        read_after, self.factory, self.verifier, feed.collection_id, feed.last)
                except Exception as exc:  # a failed read is retried next time
                    log.warning("intel push: reading new objects failed: %s", exc)
                    break
                if last == feed.last:
                    break
                feed.events.extend(events)
                feed.last = last
                if len(feed.events) > BUFFER:
                    cut = len(feed.events) - BUFFER
                    feed.floor = feed.events[cut - 1].seq
                    del feed.events[:cut]
                for waiter in feed.waiters:
                    waiter.set()
                if not full:
                    break


def _write_trails(factory: sessionmaker[Session], taken: list[tuple[str, str, Trail]]) -> None:
    with factory() as db:
        for actor, cid, trail in taken:
            trail.write(db, actor, cid)
        db.commit()


def catch_up(hub: Hub, collection_id: str, after: int, until: int) -> tuple[list[Event], int]:
    """Events after ``after`` up to ``until`` read from the database (a reconnect from far back).

    Returns the events and the last position read (at most ``until``).
    """
    events, last, _full = read_after(hub.factory, hub.verifier, collection_id, after)
    kept = [e for e in events if e.seq <= until]
    return kept, min(last, until)

