"""Announcing new objects: to every server process (PostgreSQL NOTIFY) and to this one.

:func:`announce` is called in the transaction that adds objects to a collection. On
PostgreSQL it issues ``pg_notify('forcegen_intel', <collection id>)``, which PostgreSQL
delivers to every listening connection *when the transaction commits* (never for a rolled
back one), so the event streams of every server process wake at once. In every case the
collection is also handed, after the commit, to the callbacks registered in this process
(:func:`on_commit`): the single-process fallback on SQLite, which has no NOTIFY.

Objects are added to a collection under a lock on its row (``store.add_objects``), so within
a collection positions (``seq``) become visible in commit order: a stream that has passed a
position can never see a smaller one commit later.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import event, text
from sqlalchemy.orm import Session

__all__ = ["CHANNEL", "announce", "on_commit", "remove_on_commit"]

#: The PostgreSQL notification channel; the payload is a collection id.
CHANNEL = "forcegen_intel"
_KEY = "forcegen_intel_announce"
_CALLBACKS: list[Callable[[str], None]] = []
_LOCK = threading.Lock()


def announce(db: Session, collection_id: str) -> None:
    """Announce, once the current transaction commits, that ``collection_id`` has new objects."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_notify(:channel, :payload)"),
                   {"channel": CHANNEL, "payload": collection_id})
    db.info.setdefault(_KEY, set()).add(collection_id)


def on_commit(callback: Callable[[str], None]) -> None:
    """Call ``callback(collection_id)`` after each commit that announced that collection."""
    with _LOCK:
        _CALLBACKS.append(callback)


def remove_on_commit(callback: Callable[[str], None]) -> None:
    """Stop calling ``callback``."""
    with _LOCK:
        if callback in _CALLBACKS:
            _CALLBACKS.remove(callback)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    ids = session.info.pop(_KEY, None)
    if not ids:
        return
    with _LOCK:
        callbacks = list(_CALLBACKS)
    for cid in sorted(ids):
        for callback in callbacks:
            callback(cid)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_KEY, None)
