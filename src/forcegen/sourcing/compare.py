"""Compare two plans: lines gained and lost, and each nation's change in share."""

from __future__ import annotations

from dataclasses import dataclass

from forcegen.sourcing.plan import Plan

__all__ = ["LineChange", "NationChange", "PlanDiff", "compare_plans"]


@dataclass(frozen=True)
class LineChange:
    """A line whose fill changed between two plans."""

    requirement: str
    priority: int
    before: int
    after: int
    quantity: int

    @property
    def delta(self) -> int:
        """Units gained (negative: lost)."""
        return self.after - self.before


@dataclass(frozen=True)
class NationChange:
    """A nation's personnel and share of the force in two plans."""

    nation: str
    personnel_before: int
    personnel_after: int
    share_before: float
    share_after: float

    @property
    def share_delta(self) -> float:
        """Change in the nation's share of the sourced personnel."""
        return self.share_after - self.share_before


@dataclass(frozen=True)
class PlanDiff:
    """Two plans compared: fill and cost, lines gained and lost, nations' shares."""

    fill_before: int
    fill_after: int
    cost_before: float
    cost_after: float
    gained: list[LineChange]
    lost: list[LineChange]
    nations: list[NationChange]
    same_inputs: bool

    def to_dict(self) -> dict[str, object]:
        """The machine-readable form (``--json``)."""

        def line(c: LineChange) -> dict[str, object]:
            return {"requirement": c.requirement, "priority": c.priority, "before": c.before,
                    "after": c.after, "quantity": c.quantity, "delta": c.delta}

        return {
            "fill": {"before": self.fill_before, "after": self.fill_after},
            "cost": {"before": self.cost_before, "after": self.cost_after},
            "gained": [line(c) for c in self.gained],
            "lost": [line(c) for c in self.lost],
            "nations": [
                {"nation": n.nation, "personnel_before": n.personnel_before,
                 "personnel_after": n.personnel_after, "share_before": n.share_before,
                 "share_after": n.share_after, "share_delta": n.share_delta}
                for n in self.nations
            ],
            "same_inputs": self.same_inputs,
        }


def compare_plans(before: Plan, after: Plan) -> PlanDiff:
    """Line-by-line and nation-by-nation differences from ``before`` to ``after``.

    Parameters
    ----------
    before, after
        Two plans, e.g. the base plan and a what-if, or a plan saved earlier (``--json``).

    Returns
    -------
    PlanDiff
        Fill and cost before and after, the lines that gained or lost units, every nation's
        personnel and share, and whether both plans came from the same inputs (input hash).
    """
    b_lines = {x.requirement: x for x in before.lines}
    a_lines = {x.requirement: x for x in after.lines}
    changes = []
    for rid in sorted(set(b_lines) | set(a_lines)):
        b, a = b_lines.get(rid), a_lines.get(rid)
        ref = a or b
        assert ref is not None
        changes.append(LineChange(rid, ref.priority, b.filled if b else 0, a.filled if a else 0,
                                  ref.quantity))
    b_n = {x.nation: x for x in before.burden}
    a_n = {x.nation: x for x in after.burden}
    nations = []
    for code in sorted(set(b_n) | set(a_n)):
        nb, na = b_n.get(code), a_n.get(code)
        nations.append(NationChange(
            code, nb.personnel if nb else 0, na.personnel if na else 0,
            nb.share if nb else 0.0, na.share if na else 0.0,
        ))
    nations.sort(key=lambda n: -abs(n.share_delta))
    return PlanDiff(
        before.fill, after.fill, before.cost, after.cost,
        gained=sorted((c for c in changes if c.delta > 0), key=lambda c: (c.priority, -c.delta)),
        lost=sorted((c for c in changes if c.delta < 0), key=lambda c: (c.priority, c.delta)),
        nations=nations,
        same_inputs=before.input_hash == after.input_hash,
    )
