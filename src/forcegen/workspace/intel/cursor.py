"""The TAXII ``next`` cursor: stateless, signed, bound to its reader, collection and filters.

A cursor is ``<base64url JSON>.<base64url HMAC-SHA256>``; the JSON holds the position of the
last row the page scanned (``date_added`` and ``seq``), the collection, the user, a digest of
the filters and an expiry. Any server process sharing the database checks it with the same key
(``intel_secrets``, created on first use), so paging works behind a load balancer with no
server-side state. A changed, forged, expired cursor, or one used by another user, on another
collection or with other filters, is refused (400).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from forcegen.workspace.errors import WorkspaceError
from forcegen.workspace.intel.models import IntelSecret

__all__ = ["CURSOR_LIFETIME", "BadCursor", "Position", "cursor_key", "read_cursor",
           "write_cursor"]

#: Seconds a cursor stays valid.
CURSOR_LIFETIME = 3600
_KEY_NAME = "taxii-cursor-hmac"


class BadCursor(WorkspaceError):
    """A ``next`` cursor that is malformed, forged, expired or not this request's (400)."""

    status = 400
    code = "bad_cursor"


@dataclass(frozen=True)
class Position:
    """Where a page stopped: the last row scanned."""

    date_added: dt.datetime
    seq: int


def cursor_key(db: Session) -> bytes:
    """The HMAC key every server process shares (created once, in the database)."""
    row = db.get(IntelSecret, _KEY_NAME)
    if row is None:
        try:
            with db.begin_nested():
                db.add(IntelSecret(name=_KEY_NAME, value=secrets.token_hex(32)))
        except IntegrityError:  # another process created it first: use theirs
            pass
        row = db.get(IntelSecret, _KEY_NAME)
        assert row is not None
    return bytes.fromhex(row.value)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scope(collection: str, user_id: int, filters: dict[str, Any]) -> str:
    doc = json.dumps([collection, user_id, filters], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(doc.encode()).hexdigest()[:32]


def write_cursor(key: bytes, collection: str, user_id: int, filters: dict[str, Any],
                 at: Position) -> str:
    """A signed cursor resuming after ``at`` for this collection, user and filters."""
    doc = {"s": _scope(collection, user_id, filters), "d": at.date_added.isoformat(),
           "q": at.seq, "e": int(time.time()) + CURSOR_LIFETIME}
    body = _b64(json.dumps(doc, separators=(",", ":")).encode())
    mac = hmac.new(key, body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def read_cursor(key: bytes, cursor: str, collection: str, user_id: int,
                filters: dict[str, Any]) -> Position:
    """The position a cursor resumes from.

    Raises
    ------
    BadCursor
        Malformed, forged or changed, expired, or issued for another user, collection or
        filters.
    """
    body, _, mac = cursor.partition(".")
    try:
        given = _unb64(mac)
    except (binascii.Error, ValueError):
        raise BadCursor("next: not a cursor this server issued") from None
    expected = hmac.new(key, body.encode(), hashlib.sha256).digest()
    if len(cursor) > 1000 or not hmac.compare_digest(given, expected):
        raise BadCursor("next: not a cursor this server issued (changed or forged)")
    try:
        doc = json.loads(_unb64(body))
        pos = Position(dt.datetime.fromisoformat(doc["d"]), int(doc["q"]))
        scope, expires = str(doc["s"]), int(doc["e"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise BadCursor("next: not a cursor this server issued") from None
    if expires < time.time():
        raise BadCursor("next: the cursor has expired; start again without it")
    if not hmac.compare_digest(scope, _scope(collection, user_id, filters)):
        raise BadCursor("next: the cursor belongs to another request (collection, user or "
                        "filters differ)")
    return pos
