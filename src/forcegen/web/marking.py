"""Security labels on the pages: display markings, banners, the legacy form fields.

The rules live in ``forcegen.labels``, ``forcegen.workspace.label_store`` and ``access``; this
module only turns labels into text for the templates. Every item is shown by its full display
marking under its own policy (``forcegen.labels.label.marking``): ``NATO RESTRICTED REL TO
GBR, NZL``, ``UK SECRET UK EYES ONLY``, ``TLP:AMBER+STRICT``. Items reach the templates as ORM
rows or read models, both read by ``label_store.row_label`` (the stored label, else the legacy
columns).

Banner (top and bottom of every signed-in page):

* a page that declares the labelled items it shows (``render(..., labels=...)``, each made
  with :func:`labelled`) is marked at their high-water mark (``label_store.join``), e.g.
  ``NATO SECRET REL TO FRA, GBR``;
* any other page (aggregates over everything the user may see, forms showing what the user
  typed, error pages) says "Page may contain up to <the user's clearance>": never lower than
  what it may show.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from forcegen.exceptions import LabelError, PolicyError
from forcegen.labels.label import Label
from forcegen.labels.label import marking as display_marking
from forcegen.workspace import labels
from forcegen.workspace.access import clearance_of
from forcegen.workspace.accounts import User
from forcegen.workspace.label_store import join, policies, row_label, view_of

__all__ = [
    "ABBREVIATIONS",
    "Banner",
    "Labelled",
    "abbreviation",
    "banner",
    "css_class",
    "full_marking",
    "item_css",
    "item_marking",
    "label_css",
    "label_payload",
    "labelled",
    "level_choices",
    "stored_label",
]

#: Short forms for table cells, by rank.
ABBREVIATIONS: tuple[str, ...] = ("U", "R", "C", "S", "TS")
#: A labelled item a page shows, as :func:`labelled` makes it.
Labelled = Label

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


def labelled(item: Any, owner: str | None = None) -> Label:
    """The label of a stored row or read model (``owner``: a pledge's nation)."""
    return row_label(item, owner)


def label_css(label: Label) -> str:
    """The stylesheet's class of a label: its level on the common scale, or its TLP colour.

    ``cl-tlp-amber`` ... for TLP; a label with no place on the common scale is shown as the
    highest level (its marking says what it is).
    """
    if label.policy == "TLP":
        return "cl-tlp-" + label.classification.lower().replace("+", "-")
    try:
        return css_class(view_of(label)[0])
    except (LabelError, PolicyError):
        return css_class(labels.TOP)


def _label_of(item: Any, owner: str | None) -> Label:
    return item if isinstance(item, Label) else row_label(item, owner)


def item_marking(item: Any, owner: str | None = None) -> str:
    """The full display marking of an item (a row, a read model or a :class:`Label`)."""
    try:
        return display_marking(_label_of(item, owner), policies())
    except (LabelError, PolicyError):
        return "UNREADABLE LABEL"


def item_css(item: Any, owner: str | None = None) -> str:
    """:func:`label_css` of an item (a row, a read model or a :class:`Label`)."""
    try:
        return label_css(_label_of(item, owner))
    except (LabelError, PolicyError):
        return css_class(labels.TOP)


def abbreviation(classification: Any) -> str:
    """``U``, ``R``, ``C``, ``S`` or ``TS``."""
    return ABBREVIATIONS[_rank(classification)]


def css_class(classification: Any) -> str:
    """The stylesheet's class for a level: ``cl-unclassified`` ... ``cl-top-secret``."""
    return "cl-" + labels.level_name(_rank(classification)).lower().replace(" ", "-")


def level_choices(user: User) -> list[tuple[str, str]]:
    """The levels ``user`` may label with (up to their clearance), as select options."""
    return [(name, name) for name in labels.LEVELS[: clearance_of(user) + 1]]


def _codes(text: str) -> list[str]:
    return [c.upper() for c in _CODES.split(text) if c]


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
    items = list(shown)
    try:
        tops = [join(items)]
    except (LabelError, PolicyError):
        # Policies with no equivalence between them (TLP and NATO): one mark per policy.
        by_policy: dict[str, list[Label]] = {}
        for lab in items:
            by_policy.setdefault(lab.policy, []).append(lab)
        tops = [join(group) for _, group in sorted(by_policy.items())]
    css = next((label_css(t) for t in tops if t.policy != "TLP"), label_css(tops[0]))
    return Banner(" · ".join(item_marking(t) for t in tops), css, computed=True)
