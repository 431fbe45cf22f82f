"""Constrained field types shared by the API schemas.

Bounds match the database columns (so PostgreSQL never sees an overlong string or an integer
out of range) and strings exclude control characters (PostgreSQL rejects NUL in text).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

__all__ = [
    "ID_PATTERN",
    "Count",
    "Days",
    "Identifier",
    "Money",
    "NationCode",
    "Text",
]

#: No leading/trailing whitespace, no control characters.
ID_PATTERN = r"^[^\s\x00-\x1f\x7f]([^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f])?$"
_TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"

Identifier = Annotated[str, Field(min_length=1, max_length=200, pattern=ID_PATTERN)]
Text = Annotated[str, Field(max_length=200, pattern=_TEXT_PATTERN)]
NationCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3")]
Count = Annotated[int, Field(ge=1, le=1_000_000)]
Days = Annotated[float, Field(ge=0, le=100_000, allow_inf_nan=False)]
Money = Annotated[float, Field(ge=0, le=1e15, allow_inf_nan=False)]
