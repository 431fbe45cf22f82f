"""Robust siting: the sample-average approximation of the p-median under depot losses.

Each (sample, sector) pair becomes one customer whose times are the sampled link pattern's on
the depots that survive in that sample and a penalty elsewhere; identical columns are merged,
and the exact radius-formulation p-median solves it. Split from
:mod:`forcegen.readiness.robustness` (which re-exports these names).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from forcegen.exceptions import OptionError
from forcegen.readiness._disruption_model import DisruptionModel
from forcegen.readiness._heuristics import greedy_interchange
from forcegen.readiness._pmedian import pmedian_exact

__all__ = ["RobustSiting", "robust_siting", "saa_costs"]


def saa_costs(
    model: DisruptionModel, samples: int, *, seed: int = 0, penalty: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Sample-average p-median data: depots x columns costs and the weight of each column.

    One column per (sample, sector) -- time from each depot if it survives in that sample,
    ``penalty`` if lost or unreachable -- with identical columns merged (weights added). The
    weights sum to the total demand, so the p-median objective is an expected value.
    """
    k, m, n = model.matrices.shape
    rng = np.random.default_rng(seed)
    alive = (rng.random((samples, m)) >= model.fail_prob[None]) & ~model.lost[None]
    pattern = rng.integers(0, k, samples)
    fin = np.isfinite(model.matrices)
    pen = float(penalty) if penalty is not None else 2.0 * float(model.matrices[fin].max())
    mats = np.where(fin, model.matrices, pen)
    big = np.where(alive[:, :, None], mats[pattern], pen)  # samples x m x n
    cols = big.transpose(1, 0, 2).reshape(m, samples * n)
    w = np.tile(model.demand, samples) / samples
    uniq, inv = np.unique(cols, axis=1, return_inverse=True)
    wu = np.bincount(inv.reshape(-1), weights=w, minlength=uniq.shape[1])
    return uniq, wu


@dataclass(frozen=True, slots=True)
class RobustSiting:
    """Outcome of :func:`robust_siting` (indices into the model's depots)."""

    status: str
    open_idx: np.ndarray
    expected: float
    bound: float
    gap: float
    columns: int
    seconds: float


def robust_siting(
    model: DisruptionModel,
    p: int,
    *,
    samples: int = 200,
    seed: int = 0,
    penalty: float | None = None,
    existing: Sequence[bool] | np.ndarray | None = None,
    time_limit: float | None = 30.0,
) -> RobustSiting:
    """Choose ``p`` of the model's depots minimizing the expected demand-weighted response.

    Sample-average p-median: ``samples`` scenarios of depot losses (and link patterns); a
    sector left with no surviving open depot costs ``penalty`` hours (default: twice the
    longest finite time), which is how an unserved sector is weighed against slow ones.

    Returns
    -------
    RobustSiting
        ``expected`` = in-sample expected demand-weighted mean hours of the chosen depots.
    """
    t0 = time.perf_counter()
    m = model.matrices.shape[1]
    if not 1 <= p <= m:
        raise OptionError(f"{{depots}} must be between 1 and {m}, got {p}", "depots")
    uniq, wu = saa_costs(model, samples, seed=seed, penalty=penalty)
    fixed = None if existing is None else np.flatnonzero(np.asarray(existing, dtype=bool))
    start = greedy_interchange(uniq, wu, p, fixed)
    sit = pmedian_exact(uniq, wu, p, fixed, start=start, time_limit=time_limit)
    wsum = float(model.demand.sum()) or 1.0
    idx = sit.open_idx if sit.open_idx is not None else start
    return RobustSiting(sit.status, np.asarray(idx), sit.objective / wsum, sit.bound / wsum,
                        sit.gap, int(uniq.shape[1]), time.perf_counter() - t0)
