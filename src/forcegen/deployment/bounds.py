"""A proven lower bound on total lateness, from precedence and from each lift type or port.

CP-SAT's own bound on the second objective (least total lateness at the closure found) stays
at 0 on large deployments: its propagation does not reason about sums of lateness over a
cumulative resource. This bound does, in closed form:

* every movement arrives no earlier than its earliest start plus its days in transit
  (``available`` days and the chain of ``after``); and
* on one resource of capacity ``C`` per day, the ``k`` movements with a required day that
  arrive first need at least the ``k`` smallest energies (``demand x days``) among them, so the
  ``k``-th arrival is no earlier than that energy divided by ``C``, nor than the ``k``-th
  smallest earliest arrival. Pairing these sorted arrival bounds with the sorted required days
  gives the least total lateness any order could reach (lateness is a convex function of
  arrival minus required day, so sorted-with-sorted is the best pairing).

Both are relaxations, so their maximum is a valid lower bound on the lateness of every plan
(and a fortiori of the plans closing on a given day).
"""

from __future__ import annotations

import numpy as np

from forcegen.deployment.problem import IntArray, Problem, earliest_starts

__all__ = ["lateness_lower_bound"]


def _sorted_bound(arrive_lb: IntArray, required: IntArray) -> int:
    """Least total lateness when the k-th arrival is no earlier than ``arrive_lb[k]`` (sorted)."""
    return int(np.maximum(0, np.sort(arrive_lb) - np.sort(required)).sum())


def lateness_lower_bound(p: Problem, es: IntArray | None = None) -> int:
    """A proven lower bound on the total lateness (days past ``required``) of any plan of ``p``.

    Parameters
    ----------
    p
        The problem arrays.
    es
        Earliest starts (:func:`~forcegen.deployment.problem.earliest_starts`), if known.

    Returns
    -------
    int
        The largest of the precedence bound and each resource's energy bound.
    """
    has = np.flatnonzero(p.required >= 0)
    if has.size == 0:
        return 0
    es = earliest_starts(p) if es is None else es
    early = (es + p.dur)[has]
    req = p.required[has]
    best = int(np.maximum(0, early - req).sum())
    for r in range(len(p.resources)):
        cap = int(p.capacity[r])
        use = p.demand[has, r]
        on = np.flatnonzero((use > 0) & (p.dur[has] > 0))
        if on.size == 0 or cap <= 0:
            continue
        energy = np.sort(use[on] * p.dur[has][on])
        # The k-th arrival on this resource: at least the k smallest energies done by then.
        by_energy = -(-np.cumsum(energy) // cap)
        by_path = np.sort(early[on])
        bound = _sorted_bound(np.maximum(by_energy, by_path), req[on])
        best = max(best, bound)
    return best
