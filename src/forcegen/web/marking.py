"""Classification and releasability labels on the pages: markings, banners, form fields.

The rules live in ``forcegen.workspace.labels`` and ``access``; this module only turns labels
into text for the templates and form text into the API's label fields. Items reach the
templates in two forms, both accepted here: ORM rows (rank ``int``, stored ``",FRA,GBR,"``)
and read models (level name, list of codes).

Banner (top and bottom of every signed-in page):

* a page that declares the labelled items it shows (``render(..., labels=...)``) is marked at
  their high-water mark (``labels.high_water``), e.g. ``SECRET // REL TO FRA, GBR``;
* any other page (aggregates over everything the user may see, forms showing what the user
  typed, error pages) says "Page may contain up to <the user's clearance>": never lower than
  what it may show.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from forcegen.workspace import labels
from forcegen.workspace.access import clearance_of
from forcegen.workspace.accounts import User

__all__ = [
    "ABBREVIATIONS",
    "Banner",
    "Labelled",
    "abbreviation",
    "banner",
    "css_class",
    "full_marking",
    "label_payload",
    "label_values",
    "level_choices",
    "releasable_text",
    "releasable_typed",
    "stored_label",
    "unchanged_removed",
]

#: Short forms for table cells, by rank.
ABBREVIATIONS: tuple[str, ...] = ("U", "R", "C", "S", "TS")
#: ``(classification, releasable_to, owner)`` in any accepted form, as ``high_water`` takes it.
Labelled = tuple[Any, Any, str | None]

_CODES = re.compile(r"[\s,;]+")


def _rank(classification: Any) -> int:
    return labels.level_rank(classification)


def _stored_rel(releasable_to: Any) -> str | None:
    if releasable_to is None or isinstance(releasable_to, str):
        return releasable_to
    return labels.encode_releasable(releasable_to)


def stored_label(classification: Any, releasable_to: Any) -> tuple[int, str | None]:
    """A label in either form as its stored form (rank, ``",FRA,GBR,"`` or ``None``)."""
    return _rank(classification), _stored_rel(releasable_to)


def full_marking(classification: Any, releasable_to: Any = None) -> str:
    """The full marking, e.g. ``"SECRET // REL TO FRA, GBR"``."""
    return labels.marking(*stored_label(classification, releasable_to))


def abbreviation(classification: Any) -> str:
    """``U``, ``R``, ``C``, ``S`` or ``TS``."""
    return ABBREVIATIONS[_rank(classification)]


def css_class(classification: Any) -> str:
    """The stylesheet's class for a level: ``cl-unclassified`` ... ``cl-top-secret``."""
    return "cl-" + labels.level_name(_rank(classification)).lower().replace(" ", "-")


def releasable_text(releasable_to: Any) -> str:
    """What the releasable-to input shows: ``"FRA, GBR"``; empty for the whole coalition."""
    return ", ".join(labels.decode_releasable(_stored_rel(releasable_to)) or [])


def label_values(row: Any) -> dict[str, str]:
    """A stored item's label as the strings its form shows."""
    return {
        "classification": labels.level_name(_rank(row.classification)),
        "releasable_to": releasable_text(row.releasable_to),
    }


def level_choices(user: User) -> list[tuple[str, str]]:
    """The levels ``user`` may label with (up to their clearance), as select options."""
    return [(name, name) for name in labels.LEVELS[: clearance_of(user) + 1]]


def _codes(text: str) -> list[str]:
    return [c.upper() for c in _CODES.split(text) if c]


def releasable_typed(text: str) -> str:
    """Releasable-to text as typed, normalized as :func:`releasable_text` shows a stored one."""
    return ", ".join(sorted(set(_codes(text))))


def label_payload(values: dict[str, str]) -> dict[str, Any]:
    """The API's label fields from form text; a field the form did not post is left out.

    ``releasable_to`` is comma-separated nation codes, empty (``null``) for the whole
    coalition. Codes are not checked here: the schema names a bad one at its field.
    """
    out: dict[str, Any] = {}
    if values.get("classification"):
        out["classification"] = values["classification"]
    if "releasable_to" in values:
        out["releasable_to"] = _codes(values["releasable_to"]) or None
    return out


def unchanged_removed(payload: dict[str, Any], values: dict[str, str], row: Any) -> None:
    """Drop label fields the form posted as they are stored, so an edit keeps the label.

    Compared as the form shows them (level name; codes upper-cased, sorted): resubmitting a
    form untouched never writes a label, even one the form cannot express exactly.
    """
    shown = label_values(row)
    if payload.get("classification") == shown["classification"]:
        del payload["classification"]
    typed = releasable_typed(values.get("releasable_to", ""))
    if "releasable_to" in payload and typed == shown["releasable_to"]:
        del payload["releasable_to"]


@dataclass(frozen=True, slots=True)
class Banner:
    """What the classification banner of a page says."""

    text: str
    css: str
    #: ``True``: the high-water mark of the items shown; ``False``: the user's ceiling.
    computed: bool


def banner(user: User, shown: Iterable[Labelled] | None) -> Banner:
    """The banner of a page showing the labelled items ``shown`` (``None``: not declared)."""
    if shown is None:
        rank = clearance_of(user)
        return Banner(
            f"Page may contain up to {labels.level_name(rank)}", css_class(rank), computed=False
        )
    rank, rel = labels.high_water(
        (*stored_label(cls, rel), owner) for cls, rel, owner in shown
    )
    return Banner(labels.marking(rank, rel), css_class(rank), computed=True)
