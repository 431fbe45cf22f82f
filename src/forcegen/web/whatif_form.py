"""The run form's what-if fields: one row per nation (withdraw, lift caveats, ceiling).

Field names: ``withdraw`` and ``lift_caveats`` (checkbox values are nation codes) and
``ceiling_<CODE>`` (empty: keep the nation's ceiling; ``none``: no ceiling; a whole number of
personnel). Every code and number is checked by ``runs.whatif.checked_whatif`` (422 naming the
field); anything else in the form is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forcegen.workspace.errors import Invalid
from forcegen.workspace.reference import Nation
from forcegen.workspace.runs.whatif import WhatIf, checked_whatif

__all__ = ["NationRow", "whatif_from_form", "whatif_nations"]

_CEILING = re.compile(r"^ceiling_([A-Z]{3})$")


@dataclass(frozen=True)
class NationRow:
    """A nation as the what-if table lists it."""

    code: str
    name: str
    ceiling: int | None


def whatif_nations(db: Session) -> list[NationRow]:
    """Every nation with its current personnel ceiling, by code."""
    return [NationRow(n.code, n.name or n.code, n.ceiling_personnel)
            for n in db.scalars(select(Nation).order_by(Nation.code))]


def _strings(form: Any, key: str) -> list[str]:
    return [v for v in form.getlist(key) if isinstance(v, str)][:300]


def whatif_from_form(db: Session, form: Any) -> WhatIf:
    """The what-if options a submitted run form asks for."""
    ceilings: dict[str, int | None] = {}
    for key in list(form.keys())[:1000]:
        m = _CEILING.match(key)
        value = form.get(key)
        if not m or not isinstance(value, str) or not value.strip():
            continue
        text = value.strip().replace(",", "").replace(" ", "")
        if text.lower() in ("none", "no", "off"):
            ceilings[m.group(1)] = None
        elif text.isdigit() and len(text) <= 9:
            ceilings[m.group(1)] = int(text)
        else:
            raise Invalid(f"ceiling for {m.group(1)}: {value[:20]!r} is not a whole number of "
                          "personnel (or 'none')", field=key)
    return checked_whatif(db, _strings(form, "withdraw"), _strings(form, "lift_caveats"),
                          ceilings)
