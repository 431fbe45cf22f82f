"""Intel events in the workspace's audit trail: create, release, read, withheld.

Every object added (``intel_create``), sent to a federated peer (``intel_release``), served
to a reader (``intel_read``: TAXII objects and object reads, the event stream, exports) or
withheld because its signature no longer holds (``intel_withheld``) is appended to the audit
chain (``workspace.audit``, anchored and verifiable like every other entry). One request
gives one entry per distinct label among the objects concerned, listing them
(``"<id>@<version>"``): a page of a thousand objects under three labels is three entries.

Each entry's snapshot carries the label's stored columns (``label_store.label_columns``), so
the audit listing shows it only to readers the labels engine releases that label to (entity
``intel`` is labelled in ``audit.visibility``; the columns come from
``audit.reads.label_snapshot``, as those of the planning records' read entries). A label with
no equivalent under the default policy (TLP) cannot be decided in SQL: its entries carry the
label of what nobody may see and are kept in the chain, hidden from every listing. So are
``intel_withheld`` entries: the label stored with a tampered object is not to be trusted; they
are also logged as warnings for the operators.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from forcegen.workspace.audit.chain import record_many
from forcegen.workspace.audit.reads import NOBODY, label_snapshot
from forcegen.workspace.label_store import label_columns

__all__ = ["ENTITY", "WITHHELD", "Trail"]

log = logging.getLogger(__name__)

#: The audit entity of every intel entry.
ENTITY = "intel"
#: The action of an entry about objects withheld because their signature fails.
WITHHELD = "intel_withheld"


class Trail:
    """The objects one request concerns, grouped by label, written as audit entries."""

    def __init__(self, action: str) -> None:
        self.action = action
        self._groups: dict[str, list[str]] = {}
        self._reasons: dict[str, list[str]] = {}

    def add(self, label_text: str, object_id: str, version: str, reason: str | None = None
            ) -> None:
        """Note one object (and why, for a withheld one)."""
        self._groups.setdefault(label_text, []).append(f"{object_id}@{version}")
        if reason is not None:
            self._reasons.setdefault(label_text, []).append(reason[:300])

    def add_rows(self, rows: Iterable[Any]) -> None:
        """Note stored rows (with ``label``, ``object_id`` and ``version``)."""
        for r in rows:
            self.add(r.label, r.object_id, r.version)

    def take(self) -> Trail:
        """A trail holding what this one noted, which starts afresh."""
        out = Trail(self.action)
        out._groups, self._groups = self._groups, {}
        out._reasons, self._reasons = self._reasons, {}
        return out

    def __bool__(self) -> bool:
        """Whether any object was noted."""
        return bool(self._groups)

    def write(self, db: Session, actor: str | None, collection_id: str,
              extra: dict[str, Any] | None = None) -> None:
        """Append one entry per label, in the caller's transaction; then start afresh.

        The entries go in together (``audit.chain.record_many``), as planning records' reads.
        """
        items: list[tuple[str, str, str | None, Any, Any]] = []
        for label_text in sorted(self._groups):
            # A withheld object's stored label is not trusted (it may be the widened one): its
            # entry is hidden from every listing rather than shown to whom that label names.
            cols = label_snapshot(label_text) if self.action != WITHHELD else \
                {**label_columns(NOBODY), "stored_label": label_text[:2000]}
            after = {**cols, "collection": collection_id,
                     "objects": self._groups[label_text], **(extra or {})}
            if self.action == WITHHELD:
                log.warning("intel: withheld %s in collection %s: %s",
                            ", ".join(self._groups[label_text][:10]), collection_id,
                            "; ".join(self._reasons.get(label_text, [])[:3]))
            if label_text in self._reasons:
                after["reasons"] = self._reasons[label_text]
            items.append((self.action, ENTITY, collection_id, None, after))
        record_many(db, actor, items)
        self._groups.clear()
        self._reasons.clear()
