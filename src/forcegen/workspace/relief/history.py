"""Who changed a relief request or offer, and when: the pages' history, from stored records.

Two records already hold it: each offer's status steps (``relief_offer_steps``, also served by
``GET /relief/offers/{id}/history``) and the audit trail's entries of each create and edit.
This module reads both for one request or offer, under the same rules as everything else:

* the request or offer itself must be one the reader may see (else 404, as ``get``);
* audit entries are those ``audit.list_page`` gives the reader (labels of both snapshots);
* a request's steps are those of offers the reader may see (a liaison: their own nation's),
  so a history never shows that a hidden offer exists.

An entry names the fields an edit changed, not their values: the page shows the values now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from forcegen.workspace.accounts import User
from forcegen.workspace.audit import service as audit
from forcegen.workspace.errors import NotFound
from forcegen.workspace.listing import PageParams
from forcegen.workspace.relief import offers, requests
from forcegen.workspace.relief.models import ReliefStatusStep

__all__ = ["MAX_ENTRIES", "Change", "offer_history", "request_history"]

#: Entries shown per record, the latest (the audit page, for planners, has them all).
MAX_ENTRIES = 200
#: Snapshot keys every edit changes: not worth naming as a change.
_BOOKKEEPING = frozenset({"version", "updated_at", "updated_by", "status_changed_at",
                          "status_changed_by"})


@dataclass(frozen=True)
class Change:
    """One line of a history: when, who, what happened, and to what (an offer, fields)."""

    at: dt.datetime
    by: str | None
    what: str
    detail: str = ""
    #: The offer a status step moved (a request's history lists its offers' steps).
    offer: str | None = None


def _when(text: str) -> dt.datetime:
    at = dt.datetime.fromisoformat(text)
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def _edits(db: Session, user: User, entity: str, key: str) -> list[Change]:
    """Create and edit entries of the audit trail the reader may see (status steps apart)."""
    rows, _ = audit.list_page(db, user, PageParams(limit=MAX_ENTRIES, sort="-seq"),
                              entity=entity, entity_id=key)
    out = []
    for e in reversed(rows):  # oldest first: equal times keep the order they were written
        if e.action.startswith("status:"):
            continue  # the offer's steps say it, with the request and the note
        before, after = e.before or {}, e.after or {}
        changed = sorted(k for k in {*before, *after} - _BOOKKEEPING
                         if before.get(k) != after.get(k))
        detail = "" if e.action != "update" else ", ".join(changed) or "no field"
        out.append(Change(_when(e.at), e.actor, {"create": "created", "update": "edited",
                                                  "delete": "deleted"}.get(e.action, e.action),
                          detail))
    return out


def _step(s: ReliefStatusStep, with_offer: bool) -> Change:
    what = s.after if s.before is None else f"{s.before} → {s.after}"
    parts = [f"request {s.request}" if s.request and not with_offer else "", s.note or ""]
    at = s.at if s.at.tzinfo else s.at.replace(tzinfo=dt.UTC)
    return Change(at, s.by, what, " · ".join(p for p in parts if p),
                  s.offer if with_offer else None)


def _ordered(changes: list[Change]) -> list[Change]:
    # The latest ``MAX_ENTRIES``, oldest first: a long history shows how it stands now.
    return sorted(changes, key=lambda c: c.at)[-MAX_ENTRIES:]


def request_history(db: Session, user: User, request_id: str) -> list[Change]:
    """The request's edits and the status steps of the offers held for it, oldest first.

    Parameters
    ----------
    db
        The session.
    user
        The reader: only entries and offers they may see are listed.
    request_id
        The request.

    Returns
    -------
    list of Change
        At most :data:`MAX_ENTRIES`, the latest, oldest first.

    Raises
    ------
    NotFound
        If the request is hidden from ``user`` or missing (the same answer).
    """
    row = requests.get(db, user, request_id)
    steps = list(db.scalars(select(ReliefStatusStep)
                            .where(ReliefStatusStep.request == row.id)
                            .order_by(ReliefStatusStep.seq.desc()).limit(10 * MAX_ENTRIES)))
    steps.reverse()  # oldest first, as the edits (a stable sort keeps equal times in order)
    seen: dict[str, bool] = {}
    for s in steps:
        if s.offer not in seen:
            try:
                offers.get(db, user, s.offer)
                seen[s.offer] = True
            except NotFound:  # another nation's offer, or one whose label hides it
                seen[s.offer] = False
    mine = [_step(s, True) for s in steps if seen[s.offer]]
    return _ordered([*_edits(db, user, "relief_request", row.id), *mine])


def offer_history(db: Session, user: User, offer_id: str) -> list[Change]:
    """The offer's status steps (``offers.history``) and its edits, oldest first.

    Parameters
    ----------
    db
        The session.
    user
        The reader (a liaison or observer: their own nation's offers only).
    offer_id
        The offer.

    Returns
    -------
    list of Change
        At most :data:`MAX_ENTRIES`, the latest, oldest first.

    Raises
    ------
    NotFound
        If the offer is hidden from ``user`` or missing (the same answer).
    """
    steps = [_step(s, False) for s in offers.history(db, user, offer_id)]
    edits = [c for c in _edits(db, user, "relief_offer", offer_id) if c.what != "created"]
    return _ordered([*steps, *edits])
