"""Reading objects a page at a time, filtered per reader (TAXII's GET of objects).

A row is returned only if ``visible`` releases its label; ``match[version]=first|last`` is the
first or last version *the reader may see*, so a hidden version is never one of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from forcegen.workspace.intel.cursor import Position
from forcegen.workspace.intel.models import IntelObject

__all__ = ["Filters", "Page", "read_page"]


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
            IntelObject.date_added, IntelObject.body, IntelObject.label, IntelObject.marking_id,
            IntelObject.signature)


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
              limit: int, after: Position | None = None,
              withhold: Callable[[list[Any]], set[int]] | None = None) -> Page:
    """Up to ``limit`` rows the reader may see, by ``date_added`` then ``seq``, after ``after``.

    Rows are scanned in batches; hidden ones are skipped. ``withhold``, given the rows a batch
    would return, names (by ``seq``) those to withhold too (their signature fails,
    ``integrity``). ``more`` is true only when a further row would be returned, and ``last``
    is then the position of the page's last row.
    """
    out: list[Any] = []
    last = after
    for rows in _batches(db, collection_id, flt, after, max(2 * limit, 256)):
        keep = _kept(db, collection_id, rows, visible, flt)
        if withhold is not None and keep:
            keep -= withhold([r for r in rows if r.seq in keep])
        for row in rows:
            if row.seq in keep:
                if len(out) == limit:
                    return Page(out, True, last)
                out.append(row)
                last = Position(row.date_added, row.seq)
    return Page(out, False, last)
