"""`PrepositionResult`: the answer of every siting model, named as in ``docs/scenario.md``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["SOLVER_STATUSES", "PrepositionResult", "nearest_allocation"]

#: Status words, as in the machine-readable output of the spec.
SOLVER_STATUSES: tuple[str, ...] = ("optimal", "feasible", "infeasible", "error")


def _num(v: float | None) -> float | None:
    """JSON has no inf / nan: map them to ``None``."""
    if v is None or not math.isfinite(v):
        return None
    return float(v)


@dataclass
class PrepositionResult:
    """A pre-positioning answer.

    Attributes
    ----------
    status
        ``optimal``, ``feasible``, ``infeasible`` or ``error``.
    objective
        The value optimized: demand-weighted mean hours (``average``), hours (``worst``),
        demand covered (``coverage``), total cost (``capacitated``), ton-hours plus shortfall
        penalty (``stocks``).
    total
        Sum of demand x hours (or x cost per unit) over the allocation.
    depots
        Chosen site ids (existing sites included).
    allocation
        ``(site, sector, amount)`` triples; ``amount`` is the demand (or tons) served.
    gap
        Proven relative optimality gap (0 when optimal, ``inf`` when unknown).
    kind
        Which model produced it (``average``, ``worst``, ``coverage``, ``capacitated``,
        ``stocks``).
    method
        ``exact`` (HiGHS) or ``heuristic`` (greedy + interchange).
    bound
        Proven bound on the objective (lower when minimizing, upper when maximizing).
    seconds
        Wall-clock time of the solve.
    extra
        Model-specific extras (stock shortfalls, budget spent, ...), copied into the JSON.
    """

    status: str
    objective: float
    total: float
    depots: list[str]
    allocation: list[tuple[str, str, float]]
    gap: float
    kind: str = "average"
    method: str = "exact"
    bound: float = math.nan
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The machine-readable form (``--json``): plain JSON types, no inf / nan."""
        out: dict[str, Any] = {
            "status": self.status,
            "objective": _num(self.objective),
            "total": _num(self.total),
            "depots": list(self.depots),
            "allocation": [
                {"site": s, "sector": t, "amount": float(a)} for s, t, a in self.allocation
            ],
            "gap": _num(self.gap),
            "kind": self.kind,
            "method": self.method,
            "bound": _num(self.bound),
            "seconds": round(self.seconds, 4),
        }
        out.update(self.extra)
        return out


def nearest_allocation(
    cost: np.ndarray, open_idx: np.ndarray, demand: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Serve each sector from its nearest open site.

    Parameters
    ----------
    cost
        Sites x sectors matrix (``inf`` = unreachable).
    open_idx
        Indices of open sites.
    demand
        Demand per sector.

    Returns
    -------
    site_of, hours
        For each sector the index of its serving site (``-1`` if none reaches it) and the time.
    """
    sub = cost[open_idx]
    k = np.argmin(sub, axis=0)
    hours = sub[k, np.arange(sub.shape[1])]
    site_of = np.where(np.isfinite(hours), open_idx[k], -1)
    return site_of, hours
