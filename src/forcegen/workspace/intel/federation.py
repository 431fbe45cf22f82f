"""Federation: send a peer what this instance releases to its nation, over TAXII 2.1.

:func:`sync_peer` sends, for each collection mapped to the peer, every object version that

* the peer's reader (:func:`~forcegen.workspace.intel.peers.reader_of`) may see, in a
  collection it may see: nothing else crosses;
* whose label signature still holds (``integrity``): a tampered row is never released;
* was not received from that peer (``intel_sync`` direction ``in``): no loops;
* was not sent to it before (direction ``out``): no duplicates. A new version is new.

Each object goes with its label marking, untouched, so the receiver verifies the originating
nation's signature exactly as it was made. They are posted with the OASIS ``taxii2-client``
in envelopes of :data:`BATCH`; the receiver stores all of an envelope or none, so an envelope
it refuses is retried object by object and each refusal reported. What was accepted is
recorded as sent and as released (``intel_release`` in the audit trail) in one transaction
per envelope.

Both instances syncing both ways converge: each receives the other's releases once, and
nothing goes back (the receiver records what a peer's account posted as received from it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from forcegen.workspace.errors import NotFound
from forcegen.workspace.intel import store
from forcegen.workspace.intel.integrity import Verifier
from forcegen.workspace.intel.models import IntelSync
from forcegen.workspace.intel.peers import Peer, reader_of
from forcegen.workspace.intel.trail import Trail

__all__ = ["BATCH", "Bearer", "Outcome", "Sender", "outgoing", "sync_peer", "taxii_sender", "why"]

#: Objects (each with its label marking) per envelope.
BATCH = 100

#: Posts an envelope to a peer's collection; raises on refusal (``requests`` errors).
Sender = Callable[[Peer, str, dict[str, Any]], None]


@dataclass
class Outcome:
    """What one sync with one peer did."""

    peer: str
    sent: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The outcome as JSON."""
        return {"peer": self.peer, "sent": self.sent, "failures": self.failures}


def _crossed(db: Session, peer: str, collection_id: str) -> set[tuple[str, str]]:
    """(object id, version) already sent to or received from ``peer`` in a collection."""
    stmt = select(IntelSync.object_id, IntelSync.version).where(
        IntelSync.peer == peer, IntelSync.collection_id == collection_id)
    return {(o, v) for o, v in db.execute(stmt)}


def outgoing(db: Session, peer: Peer, collection_id: str, verifier: Verifier,
             withheld: Trail | None = None) -> list[tuple[Any, Any]]:
    """The (object row, label marking row) pairs to send to ``peer``, oldest first.

    Rows whose signature fails are left out, and noted in ``withheld``.

    Raises
    ------
    NotFound
        The collection does not exist or is not released to the peer.
    """
    visible = store.LabelFilter(reader_of(peer))
    collection = store.get_collection(db, visible, collection_id)
    crossed = _crossed(db, peer.name, collection.id)

    def withhold(rows: list[Any]) -> set[int]:
        bad = verifier.problems(db, collection.id, rows)
        if withheld is not None:
            for r in rows:
                if r.seq in bad:
                    withheld.add(r.label, r.object_id, r.version, bad[r.seq])
        return set(bad)

    rows: list[Any] = []
    page = store.Page([], True, None)
    flt = store.Filters(versions=("all",))
    while page.more:
        page = store.read_page(db, collection.id, visible, flt, 1000, page.last, withhold)
        rows += page.rows
    markings = {r.object_id: r for r in rows
                if r.type == "marking-definition" and r.marking_id == r.object_id}
    out = []
    for r in rows:
        if r.object_id in markings or (r.object_id, r.version) in crossed:
            continue
        mark = markings.get(r.marking_id)
        if mark is not None:  # a marking is visible and verified with its object
            out.append((r, mark))
    return out


def _record(factory: sessionmaker[Session], peer: Peer, collection_id: str,
            sent: list[tuple[Any, Any]]) -> None:
    with factory() as db:
        trail = Trail("intel_release")
        for row, _mark in sent:
            db.add(IntelSync(peer=peer.name, direction="out", collection_id=collection_id,
                             object_id=row.object_id, version=row.version))
            trail.add(row.label, row.object_id, row.version)
        trail.write(db, None, collection_id, {"peer": peer.name, "nation": peer.nation})
        db.commit()


def _envelope(pairs: list[tuple[Any, Any]]) -> dict[str, Any]:
    return {"objects": [json.loads(b) for row, mark in pairs for b in (row.body, mark.body)]}


class Bearer(requests.auth.AuthBase):
    """The ``Authorization: Bearer`` credential of this instance at a peer."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        """Add the header to a request."""
        r.headers["Authorization"] = f"Bearer {self.token}"
        return r


def why(exc: Exception) -> str:
    """A peer's refusal in a line: its status and TAXII error description."""
    response = getattr(exc, "response", None)
    if response is not None:
        try:
            return f"{response.status_code}: {response.json().get('description', '')}"[:300]
        except ValueError:
            return f"{response.status_code}"
    return str(exc)[:300]


def _send_batch(send: Sender, peer: Peer, remote: str, batch: list[tuple[Any, Any]],
                outcome: Outcome) -> list[tuple[Any, Any]]:
    """Post one envelope; on refusal, each object alone. The pairs accepted."""
    try:
        send(peer, remote, _envelope(batch))
        return batch
    except (requests.RequestException, ValueError) as exc:
        if len(batch) == 1 or getattr(exc, "response", None) is None:
            outcome.failures += [{"id": r.object_id, "version": r.version, "reason": why(exc)}
                                 for r, _ in batch]
            return []
    accepted = []
    for pair in batch:
        accepted += _send_batch(send, peer, remote, [pair], outcome)
    return accepted


def sync_peer(factory: sessionmaker[Session], peer: Peer, verifier: Verifier,
              send: Sender) -> Outcome:
    """Send ``peer`` what is released to it and has not crossed yet (module docstring)."""
    outcome = Outcome(peer.name)
    for local, remote in sorted(peer.collections.items()):
        withheld = Trail("intel_withheld")
        with factory() as db:
            try:
                pairs = outgoing(db, peer, local, verifier, withheld)
            except NotFound:
                outcome.failures.append({"collection": local, "reason": "no such collection "
                                         "here, or it is not released to this peer"})
                continue
            if withheld:
                withheld.write(db, None, local, {"peer": peer.name})
                db.commit()
        for start in range(0, len(pairs), BATCH):
            accepted = _send_batch(send, peer, remote, pairs[start:start + BATCH], outcome)
            if accepted:
                _record(factory, peer, local, accepted)
                outcome.sent += len(accepted)
    return outcome


def taxii_sender(timeout: float = 60.0) -> Sender:
    """A :data:`Sender` posting with the OASIS ``taxii2-client`` (Bearer token)."""
    from taxii2client.v21 import Collection

    def send(peer: Peer, remote: str, envelope: dict[str, Any]) -> None:
        col = Collection(f"{peer.url}collections/{remote}/", auth=Bearer(peer.token),
                         collection_info={"id": remote, "title": remote, "can_read": True,
                                          "can_write": True})
        status = col.add_objects(envelope, wait_for_completion=False, timeout=timeout)
        if status.status != "complete" or status.failure_count:
            raise ValueError(f"the peer did not accept every object ({status.failure_count} "
                             "failed)")

    return send
