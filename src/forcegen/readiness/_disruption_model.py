"""The arrays a Monte Carlo disruption run needs, and one chunk of samples drawn from them.

Split from :mod:`forcegen.readiness.robustness` (which re-exports these names and documents
the approach).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from forcegen.exceptions import OptionError

__all__ = ["CHUNK", "DisruptionModel", "sample_chunk"]

#: Samples per chunk (the unit of work sent to a process or a Dask worker).
CHUNK = 25_000
_BATCH = 2_048  # rows per masked-min block (keeps the temporary near 10 MB)


@dataclass
class DisruptionModel:
    """Everything a Monte Carlo run needs, as plain arrays (cheap to pickle).

    Attributes
    ----------
    depot_ids, sector_ids
        Rows and columns of the time matrices.
    demand
        Weight per sector (for the demand-weighted summary).
    matrices
        ``(K, depots, sectors)`` hours, one per link-failure pattern (``K = 1``: no link
        failures). ``inf`` = unreachable.
    fail_prob
        Probability that each depot is lost, per depot.
    lost
        Depots lost in every sample (named scenarios).
    notes
        What the model contains, for the report.
    """

    depot_ids: list[str]
    sector_ids: list[str]
    demand: np.ndarray
    matrices: np.ndarray
    fail_prob: np.ndarray
    lost: np.ndarray
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_matrix(
        cls,
        cost: np.ndarray,
        depot_ids: Sequence[str],
        sector_ids: Sequence[str],
        *,
        fail_prob: float | Sequence[float] = 0.0,
        demand: Sequence[float] | None = None,
        lost: Sequence[str] = (),
    ) -> DisruptionModel:
        """A model with depot losses only, from one depots x sectors matrix."""
        cost = np.asarray(cost, dtype=np.float64)
        m, n = cost.shape
        fp = np.broadcast_to(np.asarray(fail_prob, dtype=np.float64), (m,)).copy()
        if np.any(~(fp >= 0) | (fp > 1)):
            raise OptionError("failure probabilities must be between 0 and 1")
        unknown = sorted(set(lost) - set(depot_ids))
        if unknown:
            raise OptionError(f"unknown depot(s) {', '.join(unknown)}")
        dm = np.ones(n) if demand is None else np.asarray(demand, dtype=np.float64)
        return cls(list(depot_ids), list(sector_ids), dm, cost[None], fp,
                   np.isin(list(depot_ids), list(lost)))


def sample_chunk(
    matrices: np.ndarray, fail_prob: np.ndarray, lost: np.ndarray, n: int, seed: Any
) -> np.ndarray:
    """Response hours of ``n`` random scenarios, ``(n, sectors)`` float32 (``inf`` = none).

    Top-level (picklable) so that process pools and Dask workers can run it.
    """
    rng = np.random.default_rng(seed)
    k, m, s = matrices.shape
    alive = (rng.random((n, m)) >= fail_prob[None, :]) & ~lost[None, :]
    pattern = rng.integers(0, k, n) if k > 1 else np.zeros(n, dtype=np.intp)
    out = np.empty((n, s), dtype=np.float32)
    mats = matrices.astype(np.float32)
    for b in range(0, n, _BATCH):
        a = alive[b : b + _BATCH]
        blk = mats[pattern[b : b + _BATCH]] if k > 1 else mats[0][None]
        out[b : b + _BATCH] = np.where(a[:, :, None], blk, np.float32(np.inf)).min(axis=1)
    return out
