"""A deployment run's what-ifs: ports lost, nations withdrawn, lift changed, C-day moved.

The questions ``forcegen deploy --without/--withdraw/--lift/--c-day-shift`` asks, stored on the
run (``deployment_runs.options``) and handed to the core (``forcegen.deployment``), never
re-implemented here. Nations are checked against the workspace's; port and lift ids against
the deployment when the run reads it (an unknown one fails the run, naming it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forcegen.workspace.errors import Invalid
from forcegen.workspace.reference import Nation, one_of

__all__ = ["MAX_SHIFT", "DeployOptions", "checked_options"]

#: C-day moves at most this many days either way (a year).
MAX_SHIFT = 366


@dataclass(frozen=True)
class DeployOptions:
    """What-ifs of one deployment run (the stored form is :meth:`to_json`)."""

    without: tuple[str, ...] = ()
    withdraw: tuple[str, ...] = ()
    lift: dict[str, int] = field(default_factory=dict)
    c_day_shift: int = 0

    def __bool__(self) -> bool:
        """Whether any what-if is set."""
        return bool(self.without or self.withdraw or self.lift or self.c_day_shift)

    def to_json(self) -> dict[str, Any] | None:
        """The stored form; ``None`` when there is no what-if."""
        if not self:
            return None
        return {
            "without": list(self.without),
            "withdraw": list(self.withdraw),
            "lift": dict(sorted(self.lift.items())),
            "c_day_shift": self.c_day_shift,
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any] | None) -> DeployOptions:
        """The options stored on a run (``None``: none)."""
        if not doc:
            return cls()
        return cls(
            tuple(doc.get("without") or ()),
            tuple(doc.get("withdraw") or ()),
            {str(k): int(v) for k, v in (doc.get("lift") or {}).items()},
            int(doc.get("c_day_shift") or 0),
        )

    def describe(self) -> list[str]:
        """The options in a planner's words, one line each."""
        out = []
        if self.without:
            out.append("lost: " + ", ".join(self.without))
        if self.withdraw:
            out.append("withdrawn: " + ", ".join(self.withdraw))
        for k, n in sorted(self.lift.items()):
            out.append(f"{k}: {n} a day")
        if self.c_day_shift:
            out.append(f"C-day moved {self.c_day_shift:+d} day(s)")
        return out


def _ids(values: Iterable[str], field_name: str) -> tuple[str, ...]:
    out = sorted({v.strip() for v in values if v and v.strip()})
    for v in out:
        if len(v) > 200:
            raise Invalid(f"{v[:20]!r}...: an id is at most 200 characters", field=field_name)
    return tuple(out)


def checked_options(
    db: Session,
    without: Iterable[str] = (),
    withdraw: Iterable[str] = (),
    lift: Mapping[str, int] | None = None,
    c_day_shift: int = 0,
) -> DeployOptions:
    """What-ifs checked: nations known to the workspace, capacities and shift in range.

    Raises ``Invalid`` (422) naming the field.
    """
    known = set(db.scalars(select(Nation.code)))
    nations = tuple(sorted({c.strip().upper() for c in withdraw if c and c.strip()}))
    for c in nations:
        if c not in known:
            raise Invalid(
                f"unknown nation {c[:10]!r}; expected {one_of(sorted(known), 10)}", field="withdraw"
            )
    caps: dict[str, int] = {}
    for k, n in (lift or {}).items():
        (key,) = _ids([k], "lift") or ("",)
        if not key or not 0 <= n <= 100_000:
            raise Invalid(
                f"lift {k[:20]!r}={n}: expected a lift id and 0 to 100,000 a day", field="lift"
            )
        caps[key] = n
    if not -MAX_SHIFT <= c_day_shift <= MAX_SHIFT:
        raise Invalid(
            f"C-day shift {c_day_shift}: expected -{MAX_SHIFT} to {MAX_SHIFT} days",
            field="c_day_shift",
        )
    return DeployOptions(_ids(without, "without"), nations, caps, c_day_shift)
