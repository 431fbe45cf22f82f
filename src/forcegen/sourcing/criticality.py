"""Which nations the force depends on: re-solve with each nation withdrawn in turn.

A planner's first question after "is the force sourced?" is "whose withdrawal would hurt
most?". Each re-solve reuses the compiled scenario (a what-if only changes bounds).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from forcegen.sourcing.options import SourcingOptions
from forcegen.sourcing.plan import Plan
from forcegen.sourcing.solver import Sourcer

__all__ = ["NationImpact", "nation_criticality"]


@dataclass(frozen=True)
class NationImpact:
    """What the plan loses if ``nation`` withdraws everything."""

    nation: str
    units_contributed: int
    fill_lost: int
    fill_lost_by_priority: dict[int, int]
    lines_newly_short: list[str]
    status: str

    def to_dict(self) -> dict[str, object]:
        return {
            "nation": self.nation, "units_contributed": self.units_contributed,
            "fill_lost": self.fill_lost,
            "fill_lost_by_priority": {str(k): v for k, v in self.fill_lost_by_priority.items()},
            "lines_newly_short": self.lines_newly_short, "status": self.status,
        }


def nation_criticality(
    sourcer: Sourcer,
    base_options: SourcingOptions | None = None,
    *,
    nations: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[Plan, list[NationImpact]]:
    """The base plan and, for each contributing nation, the fill lost if it withdraws.

    Nations are ordered by harm: priority-1 units lost first, then lower priorities.
    """
    base_options = base_options or SourcingOptions()
    base = sourcer.solve(base_options)
    short_before = {s.requirement for s in base.shortfalls}
    contributing = {b.nation: b.units for b in base.burden}
    todo = [n for n in (nations or contributing) if n in contributing]
    impacts = []
    for i, nation in enumerate(todo, 1):
        if progress:
            progress(f"{nation} withdraws ({i}/{len(todo)})")
        opts = replace(base_options, withdraw=(*base_options.withdraw, nation))
        plan = sourcer.solve(opts)
        lost = {k: base.fill_by_priority.get(k, 0) - plan.fill_by_priority.get(k, 0)
                for k in sorted(base.fill_by_priority)}
        impacts.append(NationImpact(
            nation=nation, units_contributed=contributing[nation],
            fill_lost=base.fill - plan.fill,
            fill_lost_by_priority={k: v for k, v in lost.items() if v},
            lines_newly_short=sorted(
                {s.requirement for s in plan.shortfalls} - short_before),
            status=plan.status,
        ))
    levels = sorted(base.fill_by_priority)
    impacts.sort(key=lambda x: (tuple(-x.fill_lost_by_priority.get(k, 0) for k in levels),
                                x.nation))
    return base, impacts
