"""Collections and objects: adding signed objects, reading them filtered per reader.

Every read decides object by object: a row is returned only if the reader's clearances release
its label (:func:`forcegen.intel.may_see`), inside a collection whose own label releases it
too. A hidden row is answered exactly as a missing one: it is skipped in lists and pages, it
is not a version, not in the manifest, and a get or delete of an object with no visible version
is "not found". ``match[version]=last`` (the default) is the last version *the reader may see*.
Paged reading is in ``pages`` (its names are importable from here too).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from forcegen.exceptions import LabelError
from forcegen.intel.objects import OBSERVABLE_TYPES, object_version, version_key
from forcegen.intel.readers import Reader, VisibilityCache, may_grant
from forcegen.intel.signing import SignedObject
from forcegen.labels.label import Label, label_from_json, label_to_json
from forcegen.workspace.accounts import ADMIN, LEAD, OBSERVER, User
from forcegen.workspace.database import utcnow
from forcegen.workspace.errors import Conflict, Forbidden, Invalid, NotFound
from forcegen.workspace.intel.models import IntelCollection, IntelObject, IntelStatus, IntelSync
from forcegen.workspace.intel.notify import announce
from forcegen.workspace.intel.pages import Filters, Page, read_page
from forcegen.workspace.intel.trail import Trail

__all__ = [
    "Filters",
    "LabelFilter",
    "Page",
    "add_objects",
    "create_collection",
    "delete_object",
    "get_collection",
    "get_status",
    "may_write",
    "read_page",
    "timestamp",
    "visible_collections",
]


def canonical(doc: Any) -> str:
    """Canonical JSON text (sorted keys, no spaces): equal documents give equal text."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def timestamp(t: dt.datetime) -> str:
    """A time as a STIX/TAXII timestamp with microseconds."""
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LabelFilter:
    """Whether a stored label (JSON text) is released to one reader; memoised per label text.

    A stored label that no longer parses or validates is never released (deny by default).
    """

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self._decide = VisibilityCache(reader)
        self._seen: dict[str, bool] = {}

    def __call__(self, label_text: str) -> bool:
        """Whether the label stored as ``label_text`` is released to the reader."""
        found = self._seen.get(label_text)
        if found is None:
            try:
                found = self._decide(label_from_json(json.loads(label_text)))
            except (LabelError, ValueError):
                found = False
            self._seen[label_text] = found
        return found


# ---------------------------------------------------------------------------- collections
def create_collection(db: Session, title: str, label: Label, description: str | None = None,
                      collection_id: str | None = None) -> IntelCollection:
    """A new collection for a community or partnership; ``label`` decides who sees it."""
    if not title.strip() or len(title) > 200:
        raise Invalid("title: expected 1-200 characters", field="title")
    cid = collection_id or str(uuid.uuid4())
    try:
        cid = str(uuid.UUID(cid))
    except ValueError:
        raise Invalid(f"id: expected a UUID, got {cid!r}", field="id") from None
    if db.get(IntelCollection, cid) is not None:
        raise Conflict(f"collection {cid} already exists")
    row = IntelCollection(id=cid, title=title.strip(), description=description,
                          label=canonical(label_to_json(label)))
    db.add(row)
    db.flush()
    return row


def visible_collections(db: Session, visible: LabelFilter) -> list[IntelCollection]:
    """The collections the reader may see, by title then id."""
    rows = db.scalars(select(IntelCollection).order_by(IntelCollection.title,
                                                       IntelCollection.id))
    return [c for c in rows if visible(c.label)]


def get_collection(db: Session, visible: LabelFilter, collection_id: str) -> IntelCollection:
    """One collection the reader may see (:class:`NotFound` if missing or hidden)."""
    row = db.get(IntelCollection, collection_id) if len(collection_id) <= 36 else None
    if row is None or not visible(row.label):
        raise NotFound("collection")
    return row


def may_write(user: User, collection: IntelCollection, visible: LabelFilter) -> bool:
    """Whether ``user`` may add objects: the collection is visible and they are no observer."""
    return user.active and user.role != OBSERVER and visible(collection.label)


# ---------------------------------------------------------------------------- adding
def _rows_for(item: SignedObject, collection_id: str, added: dt.datetime,
              user: User) -> list[IntelObject]:
    label_text = canonical(label_to_json(item.label))
    signature = canonical({k: v for k, v in item.binding.to_json().items() if k != "label"})
    version = object_version(item.obj)
    common = {"collection_id": collection_id, "spec_version": "2.1", "date_added": added,
              "label": label_text, "signature": signature, "marking_id": item.marking["id"],
              "added_by": user.username}
    return [
        IntelObject(object_id=item.id, type=item.type,
                    version=version_key(version) if version else version_key(timestamp(added)),
                    body=canonical(item.obj), sector=item.sector, **common),
        IntelObject(object_id=item.marking["id"], type="marking-definition",
                    version=version_key(item.marking["created"]),
                    body=canonical(item.marking), sector=None, **common),
    ]


def add_objects(db: Session, collection: IntelCollection, user: User, reader: Reader,
                items: Sequence[SignedObject], origin: str | None = None) -> dict[str, Any]:
    """Store verified objects and their label markings; the TAXII status resource.

    All or nothing: a label the poster may not grant (:class:`Forbidden`, naming the object)
    or an object already stored at that version with other content (:class:`Conflict`)
    refuses the whole request. An identical object already stored counts as a success and is
    not stored twice. Each object added is recorded in the audit trail (``intel_create``) and
    announced to the event streams (``notify``). ``origin``: the federated peer the objects
    come from (recorded, so that they are never sent back to it).
    """
    for item in items:
        try:
            may_grant(item.label, reader)
        except LabelError as exc:
            raise Forbidden(f"{item.id}: you may not grant its label: {exc}") from None
    # Adds to one collection queue here (a row lock on PostgreSQL; SQLite serialises every
    # writer): positions are then taken, and committed, in order, which the streams rely on.
    db.execute(select(IntelCollection.id).where(IntelCollection.id == collection.id)
               .with_for_update())
    added = utcnow()
    rows = [r for item in items for r in _rows_for(item, collection.id, added, user)]
    existing = _existing(db, collection.id, rows)
    bodies: dict[str, set[str]] = {}
    for (oid, _ver), body in existing.items():
        bodies.setdefault(oid, set()).add(body)
    successes, seen = [], set()
    created = Trail("intel_create")
    for row in rows:
        key = (row.object_id, row.version)
        if key in seen:
            continue
        seen.add(key)
        stored = existing.get(key)
        if row.type in OBSERVABLE_TYPES and row.body in bodies.get(row.object_id, ()):
            # An observable has no version of its own: the same one again is no new version.
            stored = row.body
        if stored is not None and stored != row.body:
            raise Conflict(f"{row.object_id} version {row.version} is already in the collection "
                           "with other content; a new version needs a new 'modified'")
        if stored is None:
            db.add(row)
            if row.type != "marking-definition":
                created.add(row.label, row.object_id, row.version)
        if origin is not None and row.type != "marking-definition":
            _mark_received(db, origin, collection.id, row.object_id, row.version)
        successes.append({"id": row.object_id, "version": row.version,
                          "message": "already present" if stored is not None else "added"})
    status = {"id": str(uuid.uuid4()), "status": "complete",
              "request_timestamp": timestamp(added), "total_count": len(successes),
              "success_count": len(successes), "successes": successes, "failure_count": 0,
              "failures": [], "pending_count": 0, "pendings": []}
    db.add(IntelStatus(id=status["id"], user_id=user.id, body=status))
    db.flush()
    if created:
        created.write(db, user.username, collection.id,
                      {"origin": origin} if origin is not None else None)
        announce(db, collection.id)
    return status


def _mark_received(db: Session, peer: str, collection_id: str, object_id: str,
                   version: str) -> None:
    """Record that ``peer`` sent this version (once), so it is never sent back to it."""
    found = db.scalar(select(IntelSync.id).where(
        IntelSync.peer == peer, IntelSync.direction == "in",
        IntelSync.collection_id == collection_id, IntelSync.object_id == object_id,
        IntelSync.version == version))
    if found is None:
        db.add(IntelSync(peer=peer, direction="in", collection_id=collection_id,
                         object_id=object_id, version=version))


def _existing(db: Session, collection_id: str,
              rows: Iterable[IntelObject]) -> dict[tuple[str, str], str]:
    ids = sorted({r.object_id for r in rows})
    found: dict[tuple[str, str], str] = {}
    for start in range(0, len(ids), 500):
        stmt = select(IntelObject.object_id, IntelObject.version, IntelObject.body).where(
            IntelObject.collection_id == collection_id,
            IntelObject.object_id.in_(ids[start:start + 500]))
        found.update({(oid, ver): body for oid, ver, body in db.execute(stmt)})
    return found


def get_status(db: Session, user: User, status_id: str) -> dict[str, Any]:
    """A status resource; only its poster sees it (anyone else: :class:`NotFound`)."""
    row = db.get(IntelStatus, status_id) if len(status_id) <= 36 else None
    if row is None or row.user_id != user.id:
        raise NotFound("status")
    return dict(row.body)


def delete_object(db: Session, collection: IntelCollection, user: User,
                  visible: LabelFilter, object_id: str, flt: Filters) -> int:
    """Delete the versions of ``object_id`` the user sees and the filters select.

    Not found if no version is visible (hidden == missing); then 403 unless the user may write
    to the collection and is a planner or of the nation that originated every such version's
    label. The versions' label markings go with them. Returns the number of versions deleted.
    """
    flt = Filters(None, (object_id,), (), flt.versions, flt.spec_versions)
    rows = read_page(db, collection.id, visible, flt, limit=100_000).rows
    if not rows:
        raise NotFound("object")
    if object_id.startswith("marking-definition--") and may_write(user, collection, visible):
        raise Forbidden("a label marking is deleted with the object it marks, not alone")
    planner = user.role in (ADMIN, LEAD)
    own = all(json.loads(r.label).get("originatorId") == user.nation for r in rows)
    if not may_write(user, collection, visible) or not (planner or (user.nation and own)):
        raise Forbidden("only a planner or the originating nation may delete this object")
    seqs = [r.seq for r in rows]
    markings = sorted({r.marking_id for r in rows if r.marking_id != r.object_id})
    db.execute(delete(IntelObject).where(IntelObject.seq.in_(seqs)))
    if markings:
        db.execute(delete(IntelObject).where(IntelObject.collection_id == collection.id,
                                             IntelObject.object_id.in_(markings),
                                             IntelObject.type == "marking-definition"))
    return len(rows)
