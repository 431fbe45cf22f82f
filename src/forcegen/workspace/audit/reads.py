"""Reads of labelled records in the audit trail: who was served which records, under which label.

Issue 14 asks for every create, change, release *and read* of a labelled item to be appended
to the audit log. A read is recorded per request, not per record: the records served (one
got, a page listed, a file exported, a run's plan, two runs compared) are grouped by entity
and by label, and each group is one entry

* ``action``: ``read``; ``entity``: the records' entity (``pledge``, ``requirement``,
  ``sourcing_run``, ...), so reads sit next to the ``create``, ``update`` and ``delete``
  entries of the same entity; ``entity_id``: the record's id when the entry concerns one
  record (``GET /audit?entity_id=...`` then finds its reads too), else none;
* ``actor``: the reader;
* ``after``: the label's stored columns (``label_store.label_columns``), ``via`` (what
  served them: ``"api list"``, ``"web export xlsx"``, ...), ``ids`` (at most
  :data:`MAX_IDS`, in the order served) and ``count`` (every record of the group).

A page of a hundred pledges under three labels is three entries. The label's columns make the
entry visible in the audit listing only to readers the labels engine releases that label to
(the entity is in ``audit.visibility.LABELLED``), exactly as the record itself. Entries are
written in the request's transaction, after the records were found and filtered: a read that
fails (404 for a hidden or missing record, 403, 422) rolls back and leaves no entry.

The intel trail (``intel.trail``) groups STIX objects the same way and reads its labels'
columns through :func:`label_snapshot`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from forcegen.exceptions import LabelError, PolicyError
from forcegen.labels.label import label_from_json, make_label
from forcegen.workspace.audit.chain import record_many
from forcegen.workspace.label_store import label_columns, row_label
from forcegen.workspace.labels import LEVELS

__all__ = ["MAX_IDS", "NOBODY", "READ", "ReadTrail", "label_snapshot", "record_reads"]

#: The action of every read entry.
READ = "read"
#: Ids listed per entry at most (an export of 10,000 pledges lists the first ones and counts
#: them all): an entry stays a few kilobytes whatever was read.
MAX_IDS = 500
#: The label of what nobody may see: an entry whose label cannot be read carries it, so it is
#: kept in the chain and hidden from every listing (deny by default).
NOBODY = make_label("NATO", "NATO UNCLASSIFIED", {"Releasable To": ["NONE"]})


@lru_cache(maxsize=4096)
def _columns_of(label_text: str) -> tuple[tuple[str, Any], ...]:
    try:
        cols = label_columns(label_from_json(json.loads(label_text)))
    except (LabelError, PolicyError, ValueError, TypeError):
        cols = {**label_columns(NOBODY), "stored_label": label_text[:2000]}
    return tuple(cols.items())


def label_snapshot(label_text: str) -> dict[str, Any]:
    """The stored label columns of a label's JSON text, for an audit snapshot.

    A text that does not read as a label the workspace keeps (malformed, an unknown policy, a
    TLP label without an equivalent under the default policy) gives the columns of
    :data:`NOBODY` and the text itself under ``stored_label``. Remembered per text: a
    request's groups share a few labels, and so do successive requests.
    """
    return dict(_columns_of(label_text))


def _getter(row: Any) -> Any:
    return row.get if isinstance(row, Mapping) else (lambda k: getattr(row, k, None))


def _group_key(row: Any, owner: str | None) -> tuple[Any, ...]:
    """What decides a row's label: its label text, or its legacy columns and owner."""
    get = _getter(row)
    text = get("label")
    if isinstance(text, str) and text:
        return ("label", text)
    if isinstance(text, Mapping):  # a read model holds the parsed JSON form
        return ("label", json.dumps(text, sort_keys=True, separators=(",", ":"),
                                    ensure_ascii=False))
    if text:  # a form this does not read: never the (wider) legacy view, but nobody's label
        return ("label", f"unreadable {type(text).__name__}")
    rank = get("classification")
    if isinstance(rank, str) and rank in LEVELS:  # a read model names the level
        rank = LEVELS.index(rank)
    rel = get("releasable_to")
    if isinstance(rel, list | tuple):
        rel = "," + ",".join(rel) + "," if rel else ","
    return ("legacy", rank, rel, owner)


def _snapshot_of(key: tuple[Any, ...]) -> dict[str, Any]:
    if key[0] == "label":
        return label_snapshot(key[1])
    _, rank, rel, owner = key
    try:  # a row written before labels (or by hand): its legacy label, owner included
        return label_columns(row_label({"classification": rank, "releasable_to": rel}, owner))
    except (LabelError, PolicyError, ValueError, TypeError):
        return label_columns(NOBODY)


class ReadTrail:
    """The labelled records one request served, grouped by entity and label.

    Parameters
    ----------
    via
        What served them, stored in every entry (``"api list"``, ``"web export csv"``).
    """

    def __init__(self, via: str) -> None:
        self.via = via
        # (entity, label key) -> ids in the order served (a dict: each id once)
        self._groups: dict[tuple[str, tuple[Any, ...]], dict[str, None]] = {}

    def add(self, entity: str, record_id: Any, row: Any, owner: str | None = None) -> None:
        """Note one record served: its entity, id, and the row (or snapshot) holding its label.

        ``owner`` is the owning nation of an owned record (a pledge, a relief offer): a row
        without a stored label is read as its legacy label, which releases it to its owner.
        """
        key = (entity, _group_key(row, owner))
        self._groups.setdefault(key, {})[str(record_id)] = None

    def add_rows(self, entity: str, rows: Iterable[Any], *, id_key: str = "id",
                 owner_key: str | None = None) -> None:
        """Note rows (ORM objects, read models or mappings) of one entity."""
        for r in rows:
            get = _getter(r)
            self.add(entity, get(id_key), r, get(owner_key) if owner_key else None)

    def __bool__(self) -> bool:
        """Whether any record was noted."""
        return bool(self._groups)

    def __len__(self) -> int:
        """The entries :meth:`write` would append (one per entity and label)."""
        return len(self._groups)

    def write(self, db: Session, actor: str | None, extra: dict[str, Any] | None = None
              ) -> int:
        """Append one entry per entity and label in the caller's transaction; start afresh.

        The entries go in together (``chain.record_many``: one lock of the head, one insert).
        Returns the number of entries appended.
        """
        items = []
        for (entity, key), found in sorted(self._groups.items(), key=lambda kv: repr(kv[0])):
            ids = list(found)
            after = {**_snapshot_of(key), "via": self.via, "ids": ids[:MAX_IDS],
                     "count": len(ids), **(extra or {})}
            items.append((READ, entity, ids[0] if len(ids) == 1 else None, None, after))
        self._groups.clear()
        return record_many(db, actor, items)


def record_reads(db: Session, actor: str | None, via: str, entity: str, rows: Iterable[Any],
                 *, id_key: str = "id", owner_key: str | None = None) -> int:
    """Record ``rows`` of ``entity`` served to ``actor`` (one entry per label); the entries.

    The common case of one entity per request; :class:`ReadTrail` groups several.
    """
    trail = ReadTrail(via)
    trail.add_rows(entity, rows, id_key=id_key, owner_key=owner_key)
    return trail.write(db, actor)
