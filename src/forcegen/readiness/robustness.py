"""Robustness of a depot plan: Monte Carlo disruption, exact enumeration, robust siting.

Approach
--------
A disruption scenario is a set of lost depots, links and airfields. The response time of a
sector is the time from its nearest *surviving* depot over the *surviving* network.

- **Depot losses** are cheap: with a precomputed depots x sectors time matrix ``T``, a batch of
  scenarios is a boolean ``alive`` array ``(samples, depots)`` and the response is
  ``min over alive depots of T`` -- one masked ``min`` over a ``(batch, depots, sectors)``
  block, a few hundred thousand scenarios per second per core.
- **Link and airfield losses** change ``T`` itself and need shortest paths again. Instead of
  one Dijkstra per Monte Carlo sample we draw a limited set of ``K`` link-failure *patterns*
  from the right distribution (each link / airfield fails independently with its
  probability), recompute ``T_k`` once per pattern on the network with those arcs removed
  (:meth:`forcegen.network.TransportGraph.without`), and let each sample pick one of the ``K``
  patterns uniformly at random together with its own independent depot losses. The estimate
  stays unbiased; its variance from link failures is that of ``K`` samples, which is why ``K``
  is reported and can be raised (``link_patterns``). Pattern 0 is kept intact when link
  failure probability is 0.
- **Named scenarios** ("Rzeszów airfield closed") are losses applied in every sample
  (see :mod:`forcegen.readiness._disruptions`).

Samples are drawn in fixed-size chunks, chunk ``c`` seeded with ``SeedSequence(seed).spawn``,
so the answer is the same whether the chunks run here, on ``workers`` local processes
(``concurrent.futures``), or on a Dask cluster (``scheduler="tcp://host:8786"``).

Robust siting (:func:`robust_siting`) is the sample-average approximation of the p-median
under losses: each (sample, sector) pair becomes one customer whose times are ``T_k`` on the
depots that survive in that sample and a penalty elsewhere; identical columns are merged, and
the exact radius-formulation p-median solves it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import product
from typing import Any

import numpy as np

from forcegen.exceptions import OptionError
from forcegen.readiness._disruption_model import CHUNK, DisruptionModel, sample_chunk
from forcegen.readiness._robust_siting import RobustSiting, robust_siting, saa_costs

__all__ = [
    "CHUNK",
    "DisruptionModel",
    "RobustSiting",
    "RobustnessResult",
    "SectorStats",
    "exact_distribution",
    "robust_siting",
    "saa_costs",
    "sample_chunk",
    "sector_stats",
    "simulate",
]

@dataclass(frozen=True, slots=True)
class SectorStats:
    """Distribution of one sector's response time over the scenarios (hours).

    ``median`` / ``p90`` / ``worst`` are ``inf`` when that share of scenarios leaves the
    sector with no reachable depot; ``unserved`` is that probability; ``mean`` and
    ``worst_served`` are over the scenarios where it is served.
    """

    sector: str
    median: float
    p90: float
    worst: float
    mean: float
    worst_served: float
    unserved: float

    def to_dict(self) -> dict[str, Any]:
        """The machine-readable form (``--json``): plain JSON types, ``None`` for inf / nan."""

        def num(v: float) -> float | None:
            return float(v) if math.isfinite(v) else None

        return {
            "sector": self.sector, "median": num(self.median), "p90": num(self.p90),
            "worst": num(self.worst), "mean": num(self.mean),
            "worst_served": num(self.worst_served), "unserved": float(self.unserved),
        }


def sector_stats(times: np.ndarray, sector_ids: Sequence[str]) -> list[SectorStats]:
    """Median, 90th percentile (empirical, ``inverted_cdf``), worst, mean per sector."""
    out = []
    for j, sid in enumerate(sector_ids):
        col = times[:, j].astype(np.float64)
        fin = np.isfinite(col)
        med, p90 = np.quantile(col, [0.5, 0.9], method="inverted_cdf")
        out.append(
            SectorStats(
                sid, float(med), float(p90), float(col.max()),
                float(col[fin].mean()) if fin.any() else math.inf,
                float(col[fin].max()) if fin.any() else math.inf,
                float(1.0 - fin.mean()),
            )
        )
    return out


@dataclass
class RobustnessResult:
    """Outcome of :func:`simulate`."""

    depots: list[str]
    sectors: list[SectorStats]
    samples: int
    seconds: float
    weighted_mean: float
    notes: list[str] = field(default_factory=list)
    times: np.ndarray | None = None

    def to_dict(self) -> dict[str, Any]:
        """Machine-readable form (``--json``)."""
        return {
            "depots": self.depots,
            "samples": self.samples,
            "seconds": round(self.seconds, 4),
            "weighted_mean": self.weighted_mean if math.isfinite(self.weighted_mean) else None,
            "sectors": [s.to_dict() for s in self.sectors],
            "notes": self.notes,
        }


def _chunks(samples: int, seed: int) -> list[tuple[int, Any]]:
    n_chunks = max(1, -(-samples // CHUNK))
    seeds = np.random.SeedSequence(seed).spawn(n_chunks)
    sizes = [min(CHUNK, samples - c * CHUNK) for c in range(n_chunks)]
    return list(zip(sizes, seeds, strict=True))


def simulate(
    model: DisruptionModel,
    samples: int = 10_000,
    *,
    seed: int = 0,
    workers: int = 1,
    scheduler: str | None = None,
    keep_times: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> RobustnessResult:
    """Monte Carlo distribution of every sector's response time.

    Parameters
    ----------
    model
        The depots, matrices and failure probabilities.
    samples
        Number of random scenarios.
    seed
        Seed of the random stream (results do not depend on ``workers`` / ``scheduler``).
    workers
        Local processes (``1``: run here).
    scheduler
        Address of a running Dask scheduler (``tcp://host:8786``); overrides ``workers``.
    keep_times
        Keep the ``(samples, sectors)`` array of times on the result.
    progress
        Called as ``progress(done, total)`` after each chunk.
    """
    if samples < 1:
        raise OptionError(f"{{samples}} must be >= 1, got {samples}", "samples")
    if workers < 1:
        raise OptionError(f"{{workers}} must be >= 1, got {workers}", "workers")
    t0 = time.perf_counter()
    jobs = _chunks(samples, seed)
    args = (model.matrices, model.fail_prob, model.lost)
    parts: list[np.ndarray] = []
    done = 0

    def _tick(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, samples)

    if scheduler is not None:
        parts = _run_dask(scheduler, args, jobs, _tick)
    elif workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futs = [pool.submit(sample_chunk, *args, n, s) for n, s in jobs]
            for f, (n, _) in zip(futs, jobs, strict=True):
                parts.append(f.result())
                _tick(n)
    else:
        for n, s in jobs:
            parts.append(sample_chunk(*args, n, s))
            _tick(n)
    times = np.concatenate(parts, axis=0)
    stats = sector_stats(times, model.sector_ids)
    w = model.demand
    means = np.array([s.mean for s in stats])
    wm = float(w @ means / w.sum()) if w.sum() > 0 else math.nan
    live = [d for d, gone in zip(model.depot_ids, model.lost, strict=True) if not gone]
    return RobustnessResult(live, stats, samples, time.perf_counter() - t0, wm,
                            list(model.notes), times if keep_times else None)


def _run_dask(
    address: str, args: tuple[Any, ...], jobs: list[tuple[int, Any]],
    tick: Callable[[int], None],
) -> list[np.ndarray]:
    try:
        from dask.distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise OptionError("{scheduler} needs dask[distributed] (pip install 'forcegen[dask]')",
                          "scheduler") from exc
    try:
        client = Client(address, timeout="10s", set_as_default=False)
    except OSError as exc:
        raise OptionError(f"cannot reach the Dask scheduler at {address!r}: {exc}") from exc
    try:
        shared = client.scatter(list(args), broadcast=True)
        futs = [client.submit(sample_chunk, *shared, n, s, pure=False) for n, s in jobs]
        parts = []
        for f, (n, _) in zip(futs, jobs, strict=True):
            parts.append(f.result())
            tick(n)
        return parts
    finally:
        client.close()


def exact_distribution(
    cost: np.ndarray, fail_prob: Sequence[float] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Every depot-loss state of a small model with its probability (for checks).

    Returns
    -------
    times, prob
        ``(2**depots, sectors)`` response hours and the probability of each state.
    """
    cost = np.asarray(cost, dtype=np.float64)
    m = cost.shape[0]
    if m > 20:
        raise OptionError("exact enumeration is for at most 20 depots")
    fp = np.broadcast_to(np.asarray(fail_prob, dtype=np.float64), (m,))
    states = np.array(list(product([True, False], repeat=m)), dtype=bool)  # True = alive
    prob = np.where(states, 1 - fp, fp).prod(axis=1)
    times = np.where(states[:, :, None], cost[None], np.inf).min(axis=1)
    return times, prob
