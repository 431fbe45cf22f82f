"""The intel feed of the web pages: the objects of a collection a reader may see, newest first.

Each row is decided by the labels engine (``store.LabelFilter``) like every TAXII answer: a
hidden object is not listed, not counted, and its type, sector and marking are not among the
filter choices. Label marking definitions are not listed (each object shows its own label).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forcegen.labels.label import Label, label_from_json, marking
from forcegen.workspace.intel.models import IntelCollection, IntelObject
from forcegen.workspace.intel.store import LabelFilter

__all__ = ["FeedFilters", "FeedItem", "feed", "feed_choices", "feed_item"]

_BATCH = 500
#: Rows looked at for one page at most (a page of a collection mostly hidden stays cheap).
_SCAN = 20_000


@dataclass(frozen=True)
class FeedFilters:
    """The feed's filters: STIX type, force sector, display marking (empty: any)."""

    type: str = ""
    sector: str = ""
    marking: str = ""


@dataclass(frozen=True)
class FeedItem:
    """One object version as the feed shows it, with its label and display marking."""

    seq: int
    object_id: str
    type: str
    version: str
    date_added: dt.datetime
    sector: str | None
    added_by: str | None
    body: dict[str, Any]
    label: Label
    marking: str

    @property
    def title(self) -> str:
        """A one-line title: the object's name, else its content or pattern."""
        b = self.body
        text = b.get("name") or b.get("abstract") or b.get("content") or b.get("pattern") or ""
        return str(text)[:200] or self.object_id


_COLUMNS = (IntelObject.seq, IntelObject.object_id, IntelObject.type, IntelObject.version,
            IntelObject.date_added, IntelObject.sector, IntelObject.added_by, IntelObject.body,
            IntelObject.label)


def _item(row: Any) -> FeedItem:
    label = label_from_json(json.loads(row.label))
    return FeedItem(int(row.seq), row.object_id, row.type, row.version, row.date_added,
                    row.sector, row.added_by, json.loads(row.body), label, marking(label))


def _where(collection: IntelCollection, flt: FeedFilters) -> list[Any]:
    cond = [IntelObject.collection_id == collection.id,
            IntelObject.type != "marking-definition"]
    if flt.type:
        cond.append(IntelObject.type == flt.type)
    if flt.sector:
        cond.append(IntelObject.sector == flt.sector)
    return cond


def _visible_rows(db: Session, collection: IntelCollection, visible: LabelFilter,
                  flt: FeedFilters, before: int | None, since: int) -> Iterator[FeedItem]:
    scanned = 0
    while scanned < _SCAN:
        stmt = select(*_COLUMNS).where(*_where(collection, flt), IntelObject.seq >= since)
        if before is not None:
            stmt = stmt.where(IntelObject.seq < before)
        rows = db.execute(stmt.order_by(IntelObject.seq.desc()).limit(_BATCH)).all()
        for row in rows:
            if visible(row.label):
                item = _item(row)
                if not flt.marking or item.marking == flt.marking:
                    yield item
        scanned += len(rows)
        if len(rows) < _BATCH:
            return
        before = int(rows[-1].seq)


def feed(db: Session, collection: IntelCollection, visible: LabelFilter, flt: FeedFilters,
         limit: int = 100, since: int = 0) -> list[FeedItem]:
    """The newest objects of ``collection`` the reader sees and the filters select.

    ``since``: only those added at or after that position (what a live page lists).
    """
    out = []
    for item in _visible_rows(db, collection, visible, flt, None, since):
        out.append(item)
        if len(out) >= limit:
            break
    return out


def feed_item(db: Session, collection: IntelCollection, visible: LabelFilter, seq: int,
              flt: FeedFilters) -> FeedItem | None:
    """The object added at position ``seq`` if the reader sees it and the filters select it.

    ``None`` alike for a hidden, a missing and a filtered-out one.
    """
    row = db.execute(select(*_COLUMNS).where(*_where(collection, flt),
                                             IntelObject.seq == seq)).first()
    if row is None or not visible(row.label):
        return None
    item = _item(row)
    return item if not flt.marking or item.marking == flt.marking else None


def feed_choices(db: Session, collection: IntelCollection,
                 visible: LabelFilter) -> dict[str, list[str]]:
    """The types, sectors and markings among the objects the reader sees (filter choices)."""
    stmt = select(IntelObject.type, IntelObject.sector, IntelObject.label).where(
        *_where(collection, FeedFilters())).distinct().limit(_SCAN)
    types: set[str] = set()
    sectors: set[str] = set()
    markings: set[str] = set()
    for kind, sector, label in db.execute(stmt):
        if not visible(label):
            continue
        types.add(kind)
        if sector:
            sectors.add(sector)
        markings.add(marking(label_from_json(json.loads(label))))
    return {"types": sorted(types), "sectors": sorted(sectors), "markings": sorted(markings)}
