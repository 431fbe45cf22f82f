"""Federation by pull: fetch what a peer releases to this instance from its TAXII collection.

:func:`pull_peer` reads, for each ``pull`` entry of a peer (its collection -> a local one),
the peer's objects added after the stored bookmark (``intel_pull.added_after``), page by
page with ``next``, with the OASIS ``taxii2-client`` and this instance's credential there (so
the peer's server already decided what it releases). Here every object must then pass what a
POST by the peer's account passes:

* its label marking travels with it and its signature verifies against the published key
  list (:func:`forcegen.intel.pair_labels`): the originating nation's signature, intact;
* the peer's local account may grant its label and write to the local collection
  (``store.add_objects``);
* an object already stored is "already present" (idempotent), and it is recorded as received
  from the peer, so that a push never sends it back (no loops).

A page is stored in one transaction; if it is refused, each object is tried alone and each
refusal reported (the others are kept). The bookmark becomes the last page's
``X-TAXII-Date-Added-Last`` only once the whole result was read, so an interrupted pull
starts again from the previous bookmark (what it had stored is then "already present").
A refused object is not fetched again (the bookmark passes it); it is reported each time it is
met. An object and its label marking split across two pages are paired across them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from forcegen.exceptions import InputError
from forcegen.intel.markings import LABEL_EXTENSION, TLP_MARKINGS, is_label_marking
from forcegen.intel.signing import pair_labels
from forcegen.labels.keys import KeyList
from forcegen.workspace.accounts import User
from forcegen.workspace.errors import NotFound, WorkspaceError
from forcegen.workspace.intel import store
from forcegen.workspace.intel.federation import Bearer, why
from forcegen.workspace.intel.models import IntelPull
from forcegen.workspace.intel.peers import Peer
from forcegen.workspace.intel.readers import reader_for

__all__ = ["PAGE", "Fetcher", "PullOutcome", "pull_peer", "taxii_fetcher"]

#: Objects asked for per page.
PAGE = 500

#: Yields, for (peer, its collection id, added_after or None), each page's objects and its
#: ``X-TAXII-Date-Added-Last`` (None for an empty page); raises ``requests`` errors.
Fetcher = Callable[[Peer, str, str | None], Iterator[tuple[list[Any], str | None]]]


@dataclass
class PullOutcome:
    """What one pull from one peer did."""

    peer: str
    added: int = 0
    present: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The outcome as JSON."""
        return {"peer": self.peer, "added": self.added, "already_present": self.present,
                "failures": self.failures}


def _pairs(objects: list[Any]) -> tuple[list[list[dict[str, Any]]], list[Any]]:
    """Each content object with its label marking; what is still unpaired (kept for later).

    Well-known definitions (TLP 2.0, the label extension) are dropped; anything that is not a
    STIX object with an id is left unpaired (and reported if it stays so).
    """
    marks: dict[str, dict[str, Any]] = {}
    content: list[dict[str, Any]] = []
    rest: list[Any] = []
    for obj in objects:
        if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
            rest.append(obj)
        elif obj["id"] in TLP_MARKINGS or obj["id"] == LABEL_EXTENSION["id"]:
            continue
        elif is_label_marking(obj):
            marks[obj["id"]] = obj
        else:
            content.append(obj)
    pairs, used = [], set()
    for obj in content:
        refs = [r for r in obj.get("object_marking_refs") or () if r in marks and r not in used]
        if refs:
            used.add(refs[0])
            pairs.append([obj, marks[refs[0]]])
        else:
            rest.append(obj)
    rest += [m for mid, m in marks.items() if mid not in used]
    return pairs, rest


def _ident(objs: list[Any]) -> str:
    first = objs[0] if objs else None
    return str(first.get("id")) if isinstance(first, dict) else repr(first)[:120]


def _store(db: Session, peer: Peer, collection: Any, user: User, keys: KeyList,
           pairs: list[list[dict[str, Any]]]) -> dict[str, Any]:
    items = pair_labels([o for pair in pairs for o in pair], keys)
    return store.add_objects(db, collection, user, reader_for(user), items, origin=peer.name)


def _count(status: dict[str, Any], outcome: PullOutcome) -> None:
    for s in status["successes"]:
        if s["id"].startswith("marking-definition--"):
            continue  # counted with the object it marks
        if s["message"] == "added":
            outcome.added += 1
        else:
            outcome.present += 1


def _store_page(factory: sessionmaker[Session], peer: Peer, local: str, keys: KeyList,
                pairs: list[list[dict[str, Any]]], outcome: PullOutcome) -> None:
    """Store a page's pairs in one transaction; if it is refused, each pair alone."""
    if not _try(factory, peer, local, keys, pairs, outcome, report=len(pairs) == 1):
        for pair in pairs if len(pairs) > 1 else ():
            _try(factory, peer, local, keys, [pair], outcome, report=True)


def _try(factory: sessionmaker[Session], peer: Peer, local: str, keys: KeyList,
         pairs: list[list[dict[str, Any]]], outcome: PullOutcome, report: bool) -> bool:
    with factory() as db:
        try:
            user, collection = _target(db, peer, local)
            status = _store(db, peer, collection, user, keys, pairs)
            db.commit()
        except (InputError, WorkspaceError) as exc:
            db.rollback()
            if report:
                outcome.failures.append({"id": _ident(pairs[0]),
                                         "reason": str(getattr(exc, "message", exc))[:300]})
            return False
    _count(status, outcome)
    return True


def _target(db: Session, peer: Peer, local: str) -> tuple[User, Any]:
    """The peer's local account and the local collection it may write to (else NotFound)."""
    user = db.scalar(select(User).where(User.username == peer.account))
    if user is None or not user.active:
        raise NotFound(f"account {peer.account!r}")
    visible = store.LabelFilter(reader_for(user))
    collection = store.get_collection(db, visible, local)
    if not store.may_write(user, collection, visible):
        raise NotFound("collection")
    return user, collection


def _bookmark(factory: sessionmaker[Session], peer: str, local: str, remote: str,
              value: str | None = None, write: bool = False) -> str | None:
    with factory() as db:
        row = db.get(IntelPull, (peer, local, remote))
        if not write:
            return row.added_after if row is not None else None
        if row is None:
            db.add(IntelPull(peer=peer, collection_id=local, remote_collection=remote,
                             added_after=value))
        else:
            row.added_after = value
        db.commit()
    return value


def pull_peer(factory: sessionmaker[Session], peer: Peer, keys: KeyList,
              fetch: Fetcher) -> PullOutcome:
    """Fetch and store what ``peer`` added to its ``pull`` collections since the bookmark."""
    outcome = PullOutcome(peer.name)
    for local, remote in sorted(peer.pull.items()):
        with factory() as db:
            try:
                _target(db, peer, local)
            except NotFound as exc:
                outcome.failures.append({"collection": local, "reason": f"{exc.message}: no "
                                         "such collection here, or the peer's account may not "
                                         "write to it"})
                continue
        since = _bookmark(factory, peer.name, local, remote)
        last = since
        carry: list[Any] = []
        try:
            for objects, date_last in fetch(peer, remote, since):
                pairs, carry = _pairs([*carry, *objects])
                if pairs:
                    _store_page(factory, peer, local, keys, pairs, outcome)
                if date_last is not None and (last is None or date_last > last):
                    last = date_last
        except (requests.RequestException, ValueError) as exc:
            outcome.failures.append({"collection": local, "reason": why(exc)})
            continue  # the bookmark stays: the next pull starts from it again
        for obj in carry:
            outcome.failures.append({"id": _ident([obj]), "reason": "no label marking (or no "
                                     "object) came with it: refused"})
        if last != since:
            _bookmark(factory, peer.name, local, remote, last, write=True)
    return outcome


def taxii_fetcher(page: int = PAGE) -> Fetcher:
    """A :data:`Fetcher` reading with the OASIS ``taxii2-client`` (Bearer token)."""
    from taxii2client.common import _HTTPConnection
    from taxii2client.v21 import Collection

    def fetch(peer: Peer, remote: str, added_after: str | None
              ) -> Iterator[tuple[list[Any], str | None]]:
        conn = _HTTPConnection(auth=Bearer(peer.token), version="2.1")
        seen: dict[str, str | None] = {}

        def note(resp: requests.Response, *_a: Any, **_k: Any) -> None:
            # The client returns the envelope only; the date header is read here.
            seen["last"] = resp.headers.get("X-TAXII-Date-Added-Last")

        conn.session.hooks["response"].append(note)
        col = Collection(f"{peer.url}collections/{remote}/", conn=conn,
                         collection_info={"id": remote, "title": remote, "can_read": True,
                                          "can_write": False})
        query: dict[str, Any] = {"version": "all"}
        if added_after:
            query["added_after"] = added_after
        try:
            envelope = col.get_objects(limit=page, **query)
            while True:
                objects = envelope.get("objects") or []
                if not isinstance(objects, list):
                    raise ValueError("the peer's envelope holds no list of objects")
                yield objects, seen.get("last") if objects else None
                if not envelope.get("more"):
                    return
                envelope = col.get_objects(limit=page, next=envelope.get("next", ""), **query)
        finally:
            conn.close()

    return fetch
