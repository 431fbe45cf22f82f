"""A run's what-if options: nations withdrawn, caveats lifted, personnel ceilings changed.

The questions the command line asks with ``forcegen source --withdraw/--lift-caveats/--ceiling``,
checked against the workspace's nations, stored on the run (``sourcing_runs.whatif``) and handed
to the core as :class:`forcegen.sourcing.SourcingOptions` fields, never re-implemented here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forcegen.scenario.limits import MAX_CEILING
from forcegen.workspace.errors import Invalid
from forcegen.workspace.reference import Nation, one_of

__all__ = ["WhatIf", "checked_whatif"]


@dataclass(frozen=True)
class WhatIf:
    """What-if options of one run, nation codes sorted (the stored form is :meth:`to_json`)."""

    withdraw: tuple[str, ...] = ()
    lift_caveats: tuple[str, ...] = ()
    ceilings: dict[str, int | None] = field(default_factory=dict)

    def __bool__(self) -> bool:
        """Whether any what-if is set."""
        return bool(self.withdraw or self.lift_caveats or self.ceilings)

    def to_json(self) -> dict[str, Any] | None:
        """The stored form; ``None`` when there is no what-if."""
        if not self:
            return None
        return {"withdraw": list(self.withdraw), "lift_caveats": list(self.lift_caveats),
                "ceilings": dict(sorted(self.ceilings.items()))}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any] | None) -> WhatIf:
        """The options stored on a run (``None``: none)."""
        if not doc:
            return cls()
        return cls(tuple(doc.get("withdraw") or ()), tuple(doc.get("lift_caveats") or ()),
                   dict(doc.get("ceilings") or {}))

    def options(self) -> dict[str, Any]:
        """The keyword arguments of :class:`forcegen.sourcing.SourcingOptions`."""
        return {"withdraw": self.withdraw, "lift_caveats": self.lift_caveats,
                "ceilings": dict(self.ceilings)}

    def describe(self) -> list[str]:
        """The options in a planner's words, one line each."""
        out = []
        if self.withdraw:
            out.append("withdrawn: " + ", ".join(self.withdraw))
        if self.lift_caveats:
            out.append("caveats lifted: " + ", ".join(self.lift_caveats))
        for code, value in sorted(self.ceilings.items()):
            out.append(f"{code} ceiling: " + ("none" if value is None else f"{value:,} personnel"))
        return out


def _codes(values: Iterable[str], field_name: str, known: set[str]) -> tuple[str, ...]:
    """Nation codes upper-cased, sorted and checked against ``known`` (422 naming the field)."""
    codes = sorted({v.strip().upper() for v in values if v and v.strip()})
    for c in codes:
        if c not in known:
            raise Invalid(f"unknown nation {c[:10]!r}; expected {one_of(sorted(known), 10)}",
                          field=field_name)
    return tuple(codes)


def checked_whatif(
    db: Session,
    withdraw: Iterable[str] = (),
    lift_caveats: Iterable[str] = (),
    ceilings: Mapping[str, int | None] | None = None,
) -> WhatIf:
    """What-if options, every nation code checked against the workspace's nations.

    Raises ``Invalid`` (422) naming the field for an unknown nation or a ceiling outside
    ``0..MAX_CEILING``.
    """
    known = set(db.scalars(select(Nation.code)))
    out: dict[str, int | None] = {}
    for code, value in (ceilings or {}).items():
        codes = _codes([code], "ceilings", known)
        if not codes:
            continue
        c = codes[0]
        if value is not None and not 0 <= value <= MAX_CEILING:
            raise Invalid(f"ceiling for {c}: {value}; expected 0 to {MAX_CEILING:,} personnel "
                          "(or none)", field="ceilings")
        out[c] = value
    return WhatIf(_codes(withdraw, "withdraw", known), _codes(lift_caveats, "lift_caveats", known),
                  out)
