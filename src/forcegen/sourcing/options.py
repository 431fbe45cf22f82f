"""What-if switches and solver settings for a sourcing run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from forcegen.exceptions import OptionError
from forcegen.scenario.models import PLEDGE_STATUSES, USABLE_STATUSES

__all__ = ["SourcingOptions"]

@dataclass(frozen=True)
class SourcingOptions:
    """How to source the force.

    Parameters
    ----------
    include
        Pledge statuses that may be used. ``approved`` is always used; asking for ``offered``
        implies ``provisional`` too (a planner who counts offers counts firmer pledges as well).
    withdraw
        Nations taken out, as if they withdrew all pledges (what-if).
    lift_caveats
        Nations whose caveats are ignored (what-if: "if Germany lifted its sector caveat").
    ceilings
        Personnel ceilings to set or override, by nation; ``None`` removes the ceiling.
    time_limit
        Wall-clock seconds for the whole solve; the best plan found is returned with its gap.
    mip_gap
        Relative optimality gap at which the cost stage stops (default 1e-4, HiGHS's own
        default). Fill stages are always solved exactly (fills are whole units), and when all
        costs are whole numbers the cost stage also stops once the absolute gap is below their
        greatest common divisor, which proves exact optimality.
    method
        ``exact`` (lexicographic MILP), ``decompose`` (LP-based, for very large cases),
        ``greedy`` (the heuristic alone), or ``auto`` (pick by size).
    """

    include: tuple[str, ...] = ("approved",)
    withdraw: tuple[str, ...] = ()
    lift_caveats: tuple[str, ...] = ()
    ceilings: Mapping[str, int | None] = field(default_factory=dict)
    time_limit: float | None = None
    mip_gap: float = 1e-4
    method: str = "auto"

    def __post_init__(self) -> None:
        """Refuse statuses that cannot be included, with an :class:`OptionError`."""
        bad = [s for s in self.include if s not in USABLE_STATUSES]
        if bad:
            raise OptionError(
                f"include: unknown or unusable status {', '.join(map(repr, bad))}; "
                f"expected any of {', '.join(USABLE_STATUSES)}"
            )
        if self.method not in ("auto", "exact", "decompose", "greedy"):
            raise OptionError(
                f"method: {self.method!r}; expected auto, exact, decompose or greedy"
            )
        if self.time_limit is not None and not self.time_limit > 0:
            raise OptionError(f"time_limit: {self.time_limit!r}; expected a positive number")
        if not 0 <= self.mip_gap < 1:
            raise OptionError(f"mip_gap: {self.mip_gap!r}; expected 0 <= gap < 1")
        for nation, value in self.ceilings.items():
            if value is not None and value < 0:
                raise OptionError(f"ceiling for {nation}: {value}; expected >= 0")

    @property
    def statuses(self) -> frozenset[str]:
        """Statuses usable under this option set (approved always; offered implies provisional)."""
        s = {"approved", *self.include}
        if "offered" in s:
            s.add("provisional")
        return frozenset(s)

    def describe(self) -> dict[str, object]:
        """The options as plain JSON values, in canonical order (part of the input hash)."""
        return {
            "include": sorted(self.statuses, key=PLEDGE_STATUSES.index),
            "withdraw": sorted(self.withdraw),
            "lift_caveats": sorted(self.lift_caveats),
            "ceilings": dict(sorted(self.ceilings.items())),
            "time_limit": self.time_limit,
            "mip_gap": self.mip_gap,
            "method": self.method,
        }
