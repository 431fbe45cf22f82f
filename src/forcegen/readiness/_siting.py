"""`Siting`: the index-level answer of a core siting model (before ids are attached)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Siting"]


@dataclass(frozen=True, slots=True)
class Siting:
    """Open sites chosen by a core model, in site indices.

    Attributes
    ----------
    status
        ``optimal``, ``feasible``, ``infeasible`` or ``error``.
    open_idx
        Sorted indices of the open sites (``None`` without a solution).
    objective
        Value of the model's own objective for ``open_idx``.
    bound
        Proven bound on the objective.
    gap
        Proven relative gap.
    method
        ``exact`` or ``heuristic``.
    seconds
        Wall-clock seconds.
    """

    status: str
    open_idx: np.ndarray | None
    objective: float
    bound: float
    gap: float
    method: str
    seconds: float
