"""Which nations the force depends on: re-solve with each nation withdrawn in turn.

A line short after a withdrawal but full in the base plan is reported as newly short only when
every equally good plan under the withdrawal leaves it short (checked by one more MILP stage,
see ``Sourcer.best_line_fill``); otherwise it is listed as short by a tie.

A planner's first question after "is the force sourced?" is "whose withdrawal would hurt
most?". Each re-solve reuses the compiled scenario (a what-if only changes bounds).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from forcegen.sourcing.options import SourcingOptions
from forcegen.sourcing.plan import Plan
from forcegen.sourcing.progress import Progress, ProgressTracker, Stage
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
    #: Lines short in this plan but full in another, equally good plan (a tie, not a loss).
    lines_short_by_tie: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """The machine-readable form (``--json``)."""
        return {
            "nation": self.nation, "units_contributed": self.units_contributed,
            "fill_lost": self.fill_lost,
            "fill_lost_by_priority": {str(k): v for k, v in self.fill_lost_by_priority.items()},
            "lines_newly_short": self.lines_newly_short,
            "lines_short_by_tie": self.lines_short_by_tie, "status": self.status,
        }


def nation_criticality(
    sourcer: Sourcer,
    base_options: SourcingOptions | None = None,
    *,
    nations: Iterable[str] | None = None,
    progress: Progress | None = None,
) -> tuple[Plan, list[NationImpact]]:
    """The base plan and, for each contributing nation, the fill lost if it withdraws.

    Nations are ordered by harm: priority-1 units lost first, then lower priorities.
    """
    base_options = base_options or SourcingOptions()
    report = ProgressTracker(progress)
    report.emit(Stage.WHAT_IF, "base plan")
    base = sourcer.solve(base_options)
    short_before = {s.requirement for s in base.shortfalls}
    contributing = {b.nation: b.units for b in base.burden}
    todo = [n for n in (nations or contributing) if n in contributing]
    impacts = []
    for i, nation in enumerate(todo, 1):
        report.emit(Stage.WHAT_IF, f"{nation} withdraws ({i}/{len(todo)})",
                    (i - 1) / max(len(todo), 1))
        opts = replace(base_options, withdraw=(*base_options.withdraw, nation))
        plan = sourcer.solve(opts)
        lost = {k: base.fill_by_priority.get(k, 0) - plan.fill_by_priority.get(k, 0)
                for k in sorted(base.fill_by_priority)}
        # A line short in this plan but full in the base plan is "newly short" only if no
        # equally good plan under the withdrawal fills it; otherwise it is a tie. Where that
        # cannot be checked (plan not proven, model above TIE_PAIR_LIMIT) it stays "newly
        # short", as this plan has it.
        need = {line.requirement: line.quantity for line in plan.lines}
        newly: list[str] = []
        tied: list[str] = []
        for rid in sorted({s.requirement for s in plan.shortfalls} - short_before):
            if sourcer.line_supply(opts, rid) < need[rid]:
                newly.append(rid)  # no plan can fill it: no MILP needed
                continue
            best = sourcer.best_line_fill(opts, plan, rid)
            (tied if best is not None and best >= need[rid] else newly).append(rid)
        impacts.append(NationImpact(
            nation=nation, units_contributed=contributing[nation],
            fill_lost=base.fill - plan.fill,
            fill_lost_by_priority={k: v for k, v in lost.items() if v},
            lines_newly_short=newly, lines_short_by_tie=tied,
            status=plan.status,
        ))
    report.emit(Stage.DONE)
    levels = sorted(base.fill_by_priority)
    impacts.sort(key=lambda x: (tuple(-x.fill_lost_by_priority.get(k, 0) for k in levels),
                                x.nation))
    return base, impacts
