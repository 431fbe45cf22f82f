"""What a what-if changes.

The plan with airfields or ports closed, or offers withdrawn, set against the plan as it stands.
"""

from __future__ import annotations

from typing import Any

from forcegen.relief.plan import ReliefPlan

__all__ = ["compare"]


def compare(base: ReliefPlan, what_if: ReliefPlan) -> dict[str, Any]:
    """Units in time, late and short before and after, and every request that changed."""
    before = {r.request: r for r in base.requests}
    changed = []
    for r in what_if.requests:
        b = before[r.request]
        if (b.in_time, b.late, b.short, b.first_arrival) != (r.in_time, r.late, r.short,
                                                              r.first_arrival):
            changed.append({"request": r.request, "in_time": [b.in_time, r.in_time],
                            "late": [b.late, r.late], "short": [b.short, r.short],
                            "first_arrival": [b.first_arrival, r.first_arrival]})
    total = {k: [sum(getattr(r, k) for r in p.requests) for p in (base, what_if)]
             for k in ("in_time", "late", "short")}
    return {**total, "requests": changed}
