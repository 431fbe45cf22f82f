"""Classification and releasability labels, and the access rule they decide.

Every requirement, pledge and sourcing run carries a label:

* ``classification``: one of :data:`LEVELS`, lowest first, stored as its rank (0-4);
* ``releasable_to``: the nations it may be released to, or ``None`` for the whole coalition.

Every user holds a ``clearance`` (a level). The rule (:func:`may_see`), applied on top of the
role rules of ``access`` and to every role, admins included::

    visible  <=>  clearance >= classification
                  and (releasable_to is None or the user's nation is in it
                       or the user's nation owns the item)

A pledge is owned by its nation, which always sees its own offers; requirements and runs have
no owner. An item a user may not see is "not found" (404) for them, and left out of lists,
totals, exports, sourcing runs they start and anything derived from those.

A derived product is labelled at the *high-water mark* of what went into it
(:func:`high_water`): the highest classification, and releasable only to the nations every
input is releasable to. A sourcing run uses only what its starter may see, so its starter may
always see its result.

``releasable_to`` is stored as ``",FRA,GBR,"`` (sorted, delimited at both ends) so that SQL can
test membership with one ``LIKE '%,FRA,%'`` on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field
from sqlalchemy import ColumnElement, and_, literal, or_

__all__ = [
    "LEVELS",
    "TOP",
    "ClassificationRead",
    "LabelIn",
    "LabelRead",
    "Level",
    "ReleasableRead",
    "ReleasableTo",
    "decode_releasable",
    "encode_releasable",
    "high_water",
    "level_name",
    "level_rank",
    "marking",
    "may_see",
    "visible_clause",
]

#: Classification levels, lowest first (the coalition's common scale).
LEVELS: tuple[str, ...] = ("UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET", "TOP SECRET")
TOP = len(LEVELS) - 1
Level = Literal["UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET", "TOP SECRET"]
NationCode3 = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
#: The API form of a releasability list: ISO 3166 alpha-3 codes, ``None`` = whole coalition.
ReleasableTo = Annotated[list[NationCode3], Field(min_length=1, max_length=300)] | None



def _name_of(value: Any) -> Any:
    return LEVELS[value] if isinstance(value, int) and 0 <= value <= TOP else value


def _list_of(value: Any) -> Any:
    return decode_releasable(value) if isinstance(value, str) else value


#: Read-model field types: accept the stored rank / string, show the name / list.
ClassificationRead = Annotated[str, BeforeValidator(_name_of)]
ReleasableRead = Annotated[list[str] | None, BeforeValidator(_list_of)]


def _label_of(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


#: The full label (STANAG 4774 JSON form, ``docs/labels.md``) in a create or update: instead
#: of ``classification`` and ``releasable_to``; checked by ``access.checked_columns``.
LabelIn = Annotated[dict[str, Any], Field(max_length=8)] | None
#: Read-model field type: the stored label text shown as its JSON form.
LabelRead = Annotated[dict[str, Any] | None, BeforeValidator(_label_of)]


def level_rank(level: str | int) -> int:
    """The rank of a level name (case-insensitive) or rank; :class:`ValueError` if unknown."""
    if isinstance(level, int) and not isinstance(level, bool):
        if 0 <= level <= TOP:
            return level
        raise ValueError(f"classification rank must be 0..{TOP}, got {level}")
    name = str(level).strip().upper().replace("_", " ")
    if name not in LEVELS:
        raise ValueError(f"unknown classification {level!r}; expected one of {', '.join(LEVELS)}")
    return LEVELS.index(name)


def level_name(rank: int) -> str:
    """The name of a level rank."""
    return LEVELS[rank]


def encode_releasable(nations: Iterable[str] | None) -> str | None:
    """The stored form: ``",FRA,GBR,"`` (sorted, unique), or ``None`` for the coalition."""
    if nations is None:
        return None
    codes = sorted({n.upper() for n in nations})
    return "," + ",".join(codes) + "," if codes else ","


def decode_releasable(stored: str | None) -> list[str] | None:
    """The API form of a stored releasability (a sorted list, or ``None``)."""
    if stored is None:
        return None
    return [c for c in stored.split(",") if c]


def may_see(
    clearance: int,
    nation: str | None,
    classification: int,
    releasable_to: str | None,
    owner: str | None = None,
) -> bool:
    """Whether a user (``clearance``, ``nation``) may see an item with this label.

    >>> may_see(3, "POL", 3, ",FRA,GBR,", owner="FRA")
    False
    >>> may_see(3, "POL", 2, ",FRA,POL,")
    True
    >>> may_see(1, "FRA", 2, None, owner="FRA")  # owning it does not beat the clearance
    False
    """
    if classification > clearance:
        return False
    if releasable_to is None:
        return True
    if not nation:
        return False
    return nation == owner or f",{nation}," in releasable_to


def visible_clause(
    clearance: int,
    nation: str | None,
    classification: Any,
    releasable_to: Any,
    owner: Any = None,
) -> ColumnElement[bool]:
    """:func:`may_see` as a SQL condition over the given columns (``owner`` may be ``None``)."""
    cleared = classification <= clearance
    coalition = releasable_to.is_(None)
    if not nation:
        return and_(cleared, coalition)
    released = [coalition, releasable_to.like(f"%,{nation},%")]
    if owner is not None:
        released.append(owner == literal(nation))
    return and_(cleared, or_(*released))


def high_water(
    labels: Iterable[tuple[int, str | None, str | None]],
) -> tuple[int, str | None]:
    """The label of a product derived from items labelled ``(classification, rel, owner)``.

    The highest classification; releasable to the nations every restricted input is
    releasable to (an item's owner counts as releasable for its own item).

    >>> high_water([(1, None, None), (2, ",FRA,GBR,", "POL"), (0, ",GBR,POL,", None)])
    (2, ',GBR,POL,')
    >>> high_water([])
    (0, None)
    """
    level = 0
    nations: set[str] | None = None
    for classification, rel, owner in labels:
        level = max(level, classification)
        if rel is None:
            continue
        allowed = set(decode_releasable(rel) or []) | ({owner} if owner else set())
        nations = allowed if nations is None else nations & allowed
    return level, encode_releasable(nations)


def marking(classification: int, releasable_to: str | None) -> str:
    """The banner marking, e.g. ``"SECRET // REL TO FRA, GBR"``.

    >>> marking(0, None)
    'UNCLASSIFIED'
    >>> marking(3, ",GBR,FRA,")
    'SECRET // REL TO FRA, GBR'
    """
    name = LEVELS[classification]
    codes = decode_releasable(releasable_to)
    if codes is None:
        return name
    return f"{name} // REL TO {', '.join(sorted(codes))}" if codes else f"{name} // NOT RELEASABLE"
