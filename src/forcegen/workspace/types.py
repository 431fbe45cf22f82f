"""Constrained field types shared by the API schemas, taken from the scenario core.

A value the workspace accepts is one the scenario reader accepts too, and the other way round:
quantities, personnel, priorities, months, days, money, names and nation codes are the core's
own types (``forcegen.scenario.models``, bounds in ``forcegen.scenario.limits``), so a record
entered in the workspace always exports and sources, and an imported scenario always fits the
API. The bounds also match the database columns (PostgreSQL never sees an overlong string or an
integer out of range) and strings exclude control characters (PostgreSQL rejects NUL in text).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from forcegen.scenario.limits import MAX_ID_CHARS, MAX_LIST_ITEMS, MAX_NAME_CHARS
from forcegen.scenario.models import (
    TEXT,
    Days,
    LonLat,
    Money,
    Months,
    Name,
    NationCode,
    Personnel,
    Priority,
    Quantity,
)

__all__ = [
    "ID_PATTERN",
    "Count",
    "Days",
    "Identifier",
    "Identifiers",
    "LonLat",
    "Money",
    "Months",
    "Name",
    "NationCode",
    "Personnel",
    "Priority",
    "Text",
]

#: No leading/trailing whitespace, no control characters. The scenario reader strips the
#: whitespace around an id before it checks one; the API refuses it rather than guess.
ID_PATTERN = r"^[^\s\x00-\x1f\x7f]([^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f])?$"

Identifier = Annotated[str, Field(min_length=1, max_length=MAX_ID_CHARS, pattern=ID_PATTERN)]
Identifiers = Annotated[list[Identifier], Field(max_length=MAX_LIST_ITEMS)]
#: Short free text (notes, a person's name): tab and newline allowed, nothing else below U+0020.
Text = Annotated[str, Field(max_length=MAX_NAME_CHARS, pattern=TEXT)]
#: Units in a requirement line or a pledge (the core's ``Quantity``).
Count = Quantity
