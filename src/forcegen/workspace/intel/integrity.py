"""Every stored object checked against its label signature before it is served.

The database is not trusted: someone who can write to it could relabel an object (widen its
"Releasable To", lower its classification) or change its content. So every row is verified
when it is read, exactly as it was when it arrived (:func:`forcegen.intel.pair_labels`):

* an object row: its binding (``label`` + ``signature`` columns) must verify, with the
  published key list, over the object's content (``body`` without its own label marking
  reference), and the body must be the row's object, reference its label marking;
* a label marking row: the label and binding it carries must be the row's columns, and must
  verify over the object it marks (read from the same collection).

A row that fails is **withheld**: it is skipped as a hidden one would be, and an audit entry
(``intel_withheld``) records it with the reason. Results are remembered per process by a
digest of the stored text checked, so a tampered row (other text) is always checked again.
"""

from __future__ import annotations

import hashlib
import json
import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forcegen.exceptions import InputError
from forcegen.intel.markings import read_label_marking
from forcegen.intel.signing import content_bytes
from forcegen.labels.binding import binding_from_json, verify_binding
from forcegen.labels.keys import KeyList
from forcegen.workspace.intel.models import IntelObject

__all__ = ["Verifier", "verifier_for"]

_MAX_MEMO = 200_000
_MARKING = "marking-definition"


def _canonical(doc: Any) -> str:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _digest(*parts: str | None) -> bytes:
    h = hashlib.sha256()
    for p in parts:
        h.update((p or "").encode())
        h.update(b"\x00")
    return h.digest()


@dataclass
class Verifier:
    """Checks stored rows against one key list; remembers what it found (thread-safe)."""

    keys: KeyList
    _memo: dict[bytes, str | None] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _remember(self, key: bytes, reason: str | None) -> str | None:
        with self._lock:
            if len(self._memo) >= _MAX_MEMO:
                self._memo.clear()
            self._memo[key] = reason
        return reason

    def object_problem(self, row: Any) -> str | None:
        """Why an object row fails its signature, or ``None`` when it holds."""
        key = _digest("o", row.object_id, row.type, row.marking_id, row.label, row.signature,
                      row.body)
        if key in self._memo:
            return self._memo[key]
        try:
            obj = json.loads(row.body)
            if not isinstance(obj, dict) or obj.get("id") != row.object_id or \
                    obj.get("type") != row.type:
                return self._remember(key, "the stored body is not this object")
            if row.marking_id not in (obj.get("object_marking_refs") or ()):
                return self._remember(key, "the object no longer references its label marking")
            binding = binding_from_json({**json.loads(row.signature),
                                         "label": json.loads(row.label)})
            verify_binding(binding, content_bytes(obj, row.marking_id), self.keys)
        except (InputError, ValueError, TypeError, AttributeError) as exc:
            return self._remember(key, f"label signature does not hold: {exc}")
        return self._remember(key, None)

    def marking_problem(self, row: Any, marked: Any | None) -> str | None:
        """Why a label marking row fails, given the object row it marks (``None``: holds)."""
        key = _digest("m", row.object_id, row.label, row.signature, row.body,
                      marked.body if marked is not None else None,
                      marked.label if marked is not None else None,
                      marked.signature if marked is not None else None)
        if key in self._memo:
            return self._memo[key]
        if marked is None:
            return self._remember(key, "the object this label marking marks is missing")
        try:
            mark = json.loads(row.body)
            binding = read_label_marking(mark)
            carried = binding.to_json()
            if _canonical(carried.pop("label")) != row.label or \
                    _canonical(carried) != row.signature:
                return self._remember(key, "the label marking's label or binding differs from "
                                           "the stored one")
            if marked.label != row.label or marked.signature != row.signature:
                return self._remember(key, "the label marking and its object disagree")
            verify_binding(binding, content_bytes(json.loads(marked.body), row.object_id),
                           self.keys)
        except (InputError, ValueError, TypeError, AttributeError) as exc:
            return self._remember(key, f"label signature does not hold: {exc}")
        return self._remember(key, None)

    def problems(self, db: Session, collection_id: str, rows: Iterable[Any]
                 ) -> dict[int, str]:
        """``seq`` -> reason for every row of ``rows`` that must be withheld."""
        rows = list(rows)
        out: dict[int, str] = {}
        markings = [r for r in rows if r.type == _MARKING and r.marking_id == r.object_id]
        marked = _marked_objects(db, collection_id, [r.object_id for r in markings])
        for r in rows:
            if r.type == _MARKING and r.marking_id == r.object_id:
                reason = self.marking_problem(r, marked.get(r.object_id))
            else:
                reason = self.object_problem(r)
            if reason is not None:
                out[r.seq] = reason
        return out


def _marked_objects(db: Session, collection_id: str, marking_ids: list[str]) -> dict[str, Any]:
    """The object row each label marking marks (by marking id)."""
    found: dict[str, Any] = {}
    for start in range(0, len(marking_ids), 500):
        chunk = marking_ids[start:start + 500]
        stmt = select(IntelObject.marking_id, IntelObject.body, IntelObject.label,
                      IntelObject.signature).where(
            IntelObject.collection_id == collection_id, IntelObject.marking_id.in_(chunk),
            IntelObject.object_id != IntelObject.marking_id)
        found.update({r.marking_id: r for r in db.execute(stmt)})
    return found


_VERIFIERS: weakref.WeakKeyDictionary[KeyList, Verifier] = weakref.WeakKeyDictionary()
_VERIFIERS_LOCK = threading.Lock()


def verifier_for(keys: KeyList) -> Verifier:
    """The (memoising) verifier of a key list, one per key list object."""
    with _VERIFIERS_LOCK:
        found = _VERIFIERS.get(keys)
        if found is None:
            found = _VERIFIERS[keys] = Verifier(keys)
        return found
