"""The built-in capability catalog (``forcegen/data/catalog.csv``)."""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib import resources

from forcegen.scenario.models import Capability

__all__ = ["builtin_catalog"]


@cache
def _load() -> tuple[Capability, ...]:
    text = resources.files("forcegen.data").joinpath("catalog.csv").read_text("utf-8")
    rows = csv.DictReader(io.StringIO(text))
    out = []
    for row in rows:
        clean = {k: v for k, v in row.items() if v not in (None, "")}
        out.append(Capability.model_validate(clean))
    return tuple(out)


def builtin_catalog() -> dict[str, Capability]:
    """Capability types every scenario knows, by code (a fresh dict each call)."""
    return {c.code: c.model_copy() for c in _load()}
