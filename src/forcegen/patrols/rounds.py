"""Successive search patrols: plan one, assume it finds nothing, update, plan the next.

Each round is planned on the current values ``POC_i * POD_i`` of the search cells (the
probability of success a visit adds, given that every earlier round failed), so each round's
plan is the one with the greatest probability of success the solver finds. After the round,
Bayes' rule (:meth:`forcegen.patrols.search.SearchState.searched`) gives the containment
the next round starts from.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from forcegen.patrols.problem import PatrolProblem
from forcegen.patrols.solve import PatrolPlan, plan_patrols

__all__ = ["plan_search_rounds"]


def plan_search_rounds(prob: PatrolProblem, rounds: int = 1, **kw: Any) -> list[PatrolPlan]:
    """``rounds`` plans, each after the ones before it failed to find the object.

    Each plan carries ``search``: this round's probability of success (given earlier failures),
    the cumulative probability of success of all rounds so far, and the containment after the
    round fails. Without a ``search:`` section this is one ordinary plan.

    Parameters
    ----------
    prob
        The patrol problem with its search state.
    rounds
        How many plans, each assuming the ones before found nothing.
    **kw
        Passed to :func:`forcegen.patrols.plan_patrols` for every round, except ``started``
        (when the time limit began counting): the first round's only, each later round
        gets the whole limit from its own start.

    Returns
    -------
    list of PatrolPlan
        One plan per round, in order.
    """
    if prob.search is None:
        return [plan_patrols(prob, **kw)]
    state, index = prob.search
    plans = []
    first = dict(kw)
    kw.pop("started", None)
    for r in range(1, max(1, rounds) + 1):
        values = prob.values.copy()
        values[index] = state.values()
        current = replace(prob, values=values, search=(state, index))
        plan = plan_patrols(current, **(first if r == 1 else kw))
        at = {int(a): c for c, a in enumerate(index)}
        cells = [at[a] for route in plan.routes for a in route if a in at]
        pos, state = state.searched(cells)
        plan.search = {
            "round": r, "probability_of_success": pos,
            "cumulative_probability_of_success": state.cumulative_pos(),
            "cells_searched": [state.ids[c] for c in cells],
            "containment_after": dict(zip(state.ids, (round(float(x), 9) for x in state.poc()),
                                          strict=True)),
        }
        plans.append(plan)
    return plans
