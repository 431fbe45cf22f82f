"""Collections and objects: adding signed objects, reading them filtered per reader.

Every read decides object by object: a row is returned only if the reader's clearances release
its label (:func:`forcegen.intel.may_see`), inside a collection whose own label releases it
too. A hidden row is answered exactly as a missing one: it is skipped in lists and pages, it
is not a version, not in the manifest, and a get or delete of an object with no visible version
is "not found". ``match[version]=last`` (the default) is the last version *the reader may see*.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from forcegen.exceptions import LabelError
from forcegen.intel.objects import OBSERVABLE_TYPES, object_version, version_key
from forcegen.intel.readers import Reader, VisibilityCache, may_grant
from forcegen.intel.signing import SignedObject
from forcegen.labels.label import Label, label_from_json, label_to_json
from forcegen.workspace.accounts import ADMIN, LEAD, OBSERVER, User
from forcegen.workspace.database import utcnow
from forcegen.workspace.errors import Conflict, Forbidden, Invalid, NotFound
from forcegen.workspace.intel.cursor import Position
from forcegen.workspace.intel.models import IntelCollection, IntelObject, IntelStatus

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
                items: Sequence[SignedObject]) -> dict[str, Any]:
    """Store verified objects and their label markings; the TAXII status resource.

    All or nothing: a label the poster may not grant (:class:`Forbidden`, naming the object)
    or an object already stored at that version with other content (:class:`Conflict`)
    refuses the whole request. An identical object already stored counts as a success and is
    not stored twice.
    """
    for item in items:
        try:
            may_grant(item.label, reader)
        except LabelError as exc:
            raise Forbidden(f"{item.id}: you may not grant its label: {exc}") from None
    added = utcnow()
    rows = [r for item in items for r in _rows_for(item, collection.id, added, user)]
    existing = _existing(db, collection.id, rows)
    bodies: dict[str, set[str]] = {}
    for (oid, _ver), body in existing.items():
        bodies.setdefault(oid, set()).add(body)
    successes, seen = [], set()
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
        successes.append({"id": row.object_id, "version": row.version,
                          "message": "already present" if stored is not None else "added"})
    status = {"id": str(uuid.uuid4()), "status": "complete",
              "request_timestamp": timestamp(added), "total_count": len(successes),
              "success_count": len(successes), "successes": successes, "failure_count": 0,
              "failures": [], "pending_count": 0, "pendings": []}
    db.add(IntelStatus(id=status["id"], user_id=user.id, body=status))
    db.flush()
    return status


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


# ---------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class Filters:
    """TAXII filters: ``added_after``, ``match[id|type|version|spec_version]``.

    ``versions`` holds ``first``, ``last``, ``all`` and version keys (normalised timestamps).
    """

    added_after: dt.datetime | None = None
    ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    versions: tuple[str, ...] = ("last",)
    spec_versions: tuple[str, ...] = ()

    def scope(self) -> dict[str, Any]:
        """The filters as plain data (what a paging cursor is bound to)."""
        return {"a": self.added_after.isoformat() if self.added_after else None,
                "i": list(self.ids), "t": list(self.types), "v": list(self.versions),
                "s": list(self.spec_versions)}

    def where(self) -> list[Any]:
        """The SQL conditions (version modes other than exact timestamps are applied later)."""
        cond: list[Any] = []
        if self.added_after is not None:
            cond.append(IntelObject.date_added > self.added_after)
        if self.ids:
            cond.append(IntelObject.object_id.in_(self.ids))
        if self.types:
            cond.append(IntelObject.type.in_(self.types))
        if self.spec_versions:
            cond.append(IntelObject.spec_version.in_(self.spec_versions))
        if self.versions and not set(self.versions) & {"first", "last", "all"}:
            cond.append(IntelObject.version.in_(self.versions))
        return cond


@dataclass
class Page:
    """Rows of one page, whether more follow, and the position to resume after."""

    rows: list[Any]  # rows of the page's columns (seq, object_id, type, version, ...)
    more: bool
    last: Position | None


def _kept(db: Session, collection_id: str, rows: Sequence[Any],
          visible: Callable[[str], bool], flt: Filters) -> set[int]:
    """The ``seq`` of the rows to return: visible, and of a requested version."""
    shown = [r for r in rows if visible(r.label)]
    modes = set(flt.versions)
    if "all" in modes or not modes & {"first", "last"}:
        return {r.seq for r in shown}
    spec = [IntelObject.spec_version.in_(flt.spec_versions)] if flt.spec_versions else []
    ids = sorted({r.object_id for r in shown})
    # Most objects have one version, which is then their first and last: only objects with
    # several are looked at again (whose versions the reader may see decides which is last).
    first = {r.object_id: r.version for r in shown}
    last = dict(first)
    for start in range(0, len(ids), 500):
        chunk = [IntelObject.collection_id == collection_id,
                 IntelObject.object_id.in_(ids[start:start + 500]), *spec]
        multi = list(db.scalars(select(IntelObject.object_id).where(*chunk)
                                .group_by(IntelObject.object_id).having(func.count() > 1)))
        if not multi:
            continue
        for oid in multi:
            first.pop(oid, None)
            last.pop(oid, None)
        stmt = select(IntelObject.object_id, IntelObject.version, IntelObject.label).where(
            IntelObject.collection_id == collection_id, IntelObject.object_id.in_(multi), *spec)
        for oid, ver, label in db.execute(stmt):
            if visible(label):
                first[oid] = min(first.get(oid, ver), ver)
                last[oid] = max(last.get(oid, ver), ver)
    return {r.seq for r in shown
            if ("last" in modes and r.version == last.get(r.object_id))
            or ("first" in modes and r.version == first.get(r.object_id))
            or r.version in modes}


#: The columns a page needs (rows, not ORM objects: a page of 1,000 loads several times faster).
_COLUMNS = (IntelObject.seq, IntelObject.object_id, IntelObject.type, IntelObject.version,
            IntelObject.date_added, IntelObject.body, IntelObject.label, IntelObject.marking_id)


def _batches(db: Session, collection_id: str, flt: Filters, after: Position | None,
             batch: int) -> Iterator[Sequence[Any]]:
    """The matching rows after ``after``, by ``date_added`` then ``seq``, in batches."""
    cond = [IntelObject.collection_id == collection_id, *flt.where()]
    if flt.ids:
        # A few ids: fetch them all by the object index and sort here (ordering in SQL would
        # lead SQLite to walk the whole collection in date order instead).
        rows = sorted(db.execute(select(*_COLUMNS).where(*cond)).all(),
                      key=lambda r: (r.date_added, r.seq))
        if after is not None:
            rows = [r for r in rows if (r.date_added, r.seq) > (after.date_added, after.seq)]
        for start in range(0, len(rows), batch):
            yield rows[start:start + batch]
        return
    base = select(*_COLUMNS).where(*cond).order_by(IntelObject.date_added, IntelObject.seq)
    scan = after
    while True:
        stmt = base
        if scan is not None:
            # The plain range first: it lets the index seek instead of scanning from the start.
            stmt = stmt.where(IntelObject.date_added >= scan.date_added,
                              or_(IntelObject.date_added > scan.date_added,
                                  and_(IntelObject.date_added == scan.date_added,
                                       IntelObject.seq > scan.seq)))
        found = db.execute(stmt.limit(batch)).all()
        if found:
            yield found
        if len(found) < batch:
            return
        scan = Position(found[-1].date_added, found[-1].seq)


def read_page(db: Session, collection_id: str, visible: Callable[[str], bool], flt: Filters,
              limit: int, after: Position | None = None) -> Page:
    """Up to ``limit`` rows the reader may see, by ``date_added`` then ``seq``, after ``after``.

    Rows are scanned in batches; hidden ones are skipped. ``more`` is true only when a further
    row would be returned, and ``last`` is then the position of the page's last row.
    """
    out: list[Any] = []
    last = after
    for rows in _batches(db, collection_id, flt, after, max(2 * limit, 256)):
        keep = _kept(db, collection_id, rows, visible, flt)
        for row in rows:
            if row.seq in keep:
                if len(out) == limit:
                    return Page(out, True, last)
                out.append(row)
                last = Position(row.date_added, row.seq)
    return Page(out, False, last)


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
