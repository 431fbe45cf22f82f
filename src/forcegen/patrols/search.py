"""Search theory for an area: where a drifting vessel or a mine may be, and where to look next.

The area is a grid of cells, each with a probability of containment (POC; the cells may sum to
less than one, the rest being "outside the grid"). A vessel searching a cell of ``A`` nm² along
a track of ``L`` nm with sweep width ``W`` nm achieves the coverage factor ``c = W L / A`` and,
under the random-search law (Koopman, *Search and Screening*, 1946/1980; IAMSAR Manual vol. II,
ch. 4), the probability of detection ``POD = 1 - exp(-c)``. Searching cells gives the
probability of success ``POS = sum(POC_i * POD_i)``. After an unsuccessful search Bayes' rule
gives the new containment ``POC_i' = POC_i (1 - POD_i) / (1 - POS)``, the "outside" mass
growing likewise, and the next patrol is planned on those.

For a given effort (track miles) spread over the cells, the allocation that maximises POS
under the exponential law is Koopman's: search a cell only if its density ``POC_i / A_i`` is
above a threshold ``lam / W``, with coverage ``ln(POC_i W / (A_i lam))`` there, ``lam`` set so
that the effort is used up (:func:`optimal_effort`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SearchState", "coverage", "optimal_effort", "pod", "posterior",
           "probability_of_success"]


def coverage(sweep_width_nm: float, track_nm: np.ndarray, area_nm2: np.ndarray) -> np.ndarray:
    """Coverage factor ``W L / A`` of each cell."""
    return sweep_width_nm * np.asarray(track_nm, dtype=float) / np.asarray(area_nm2, dtype=float)


def pod(cov: np.ndarray) -> np.ndarray:
    """Probability of detection by random search, ``1 - exp(-coverage)``."""
    return -np.expm1(-np.asarray(cov, dtype=float))


def probability_of_success(poc: np.ndarray, pods: np.ndarray) -> float:
    """``sum(POC_i * POD_i)``: the chance the search finds the object."""
    return float(np.dot(poc, pods))


def posterior(poc: np.ndarray, pods: np.ndarray) -> tuple[np.ndarray, float]:
    """Containment after a search that found nothing, and the new outside-the-grid mass.

    Bayes' rule: ``POC_i (1 - POD_i) / (1 - POS)``; outside mass ``(1 - sum POC) / (1 - POS)``.
    """
    poc = np.asarray(poc, dtype=float)
    left = 1.0 - probability_of_success(poc, pods)
    if left <= 0:
        raise ValueError("the search was certain to find the object; nothing to update")
    return poc * (1.0 - np.asarray(pods, dtype=float)) / left, (1.0 - poc.sum()) / left


def optimal_effort(poc: np.ndarray, area_nm2: np.ndarray, sweep_width_nm: float,
                   effort_nm: float) -> np.ndarray:
    """Track miles per cell that maximise POS for ``effort_nm`` miles in all (Koopman).

    Cells are taken in decreasing density ``POC / A``; with the k densest searched, the
    threshold ``lam`` follows in closed form from the effort, and k is the largest count whose
    threshold stays below the k-th density (water-filling).
    """
    poc = np.asarray(poc, dtype=float)
    area = np.asarray(area_nm2, dtype=float)
    w = float(sweep_width_nm)
    dens = poc / area
    order = np.argsort(-dens, kind="stable")
    track = np.zeros_like(poc)
    if effort_nm <= 0 or not np.any(poc > 0):
        return track
    best_k, best_log_lam = 0, 0.0
    for k in range(1, int(np.count_nonzero(poc > 0)) + 1):
        s = order[:k]
        # effort = sum (A_i / W) ln(POC_i W / (A_i lam))  =>  solve for ln lam.
        a_w = area[s] / w
        log_lam = (np.sum(a_w * np.log(dens[s] * w)) - effort_nm) / a_w.sum()
        if log_lam < np.log(dens[s[-1]] * w):  # the k-th cell is still worth searching
            best_k, best_log_lam = k, float(log_lam)
    s = order[:best_k]
    track[s] = area[s] / w * (np.log(dens[s] * w) - best_log_lam)
    return np.maximum(track, 0.0)


@dataclass
class SearchState:
    """Unnormalised containment carried from one unsuccessful search to the next.

    ``mass[i]`` is the prior probability that the object is in cell i *and* was missed by every
    search so far; the chance the searches so far succeeded is ``prior_total - mass.sum()``.
    """

    ids: list[str]
    prior: np.ndarray
    area_nm2: np.ndarray
    sweep_width_nm: float
    track_nm: np.ndarray  # track miles a visit to each cell flies
    mass: np.ndarray

    @classmethod
    def start(cls, ids: list[str], prior: np.ndarray, area_nm2: np.ndarray,
              sweep_width_nm: float, track_nm: np.ndarray) -> SearchState:
        """The state before any search: the prior is the probability mass still unfound."""
        p = np.asarray(prior, dtype=float)
        return cls(list(ids), p, np.asarray(area_nm2, dtype=float), float(sweep_width_nm),
                   np.asarray(track_nm, dtype=float), p.copy())

    @property
    def pods(self) -> np.ndarray:
        """POD of one visit to each cell."""
        return pod(coverage(self.sweep_width_nm, self.track_nm, self.area_nm2))

    def poc(self) -> np.ndarray:
        """Current (normalised) probability of containment given every search failed."""
        return self.mass / (1.0 - self.cumulative_pos())

    def cumulative_pos(self) -> float:
        """Probability that one of the searches so far found the object."""
        return float(self.prior.sum() - self.mass.sum())

    def values(self) -> np.ndarray:
        """What a visit to each cell adds to this round's POS: ``POC_i * POD_i``."""
        return self.poc() * self.pods

    def searched(self, cells: list[int]) -> tuple[float, SearchState]:
        """The POS of this round (given earlier failures) and the state after it also fails."""
        hit = np.zeros(len(self.ids), dtype=bool)
        hit[cells] = True
        pods = np.where(hit, self.pods, 0.0)
        pos = probability_of_success(self.poc(), pods)
        return pos, SearchState(self.ids, self.prior, self.area_nm2, self.sweep_width_nm,
                                self.track_nm, self.mass * (1.0 - pods))
