"""Pre-positioning: where to put depots and what to hold in them.

Array level (a sites x sectors matrix in, a :class:`PrepositionResult` out):

- :func:`preposition` — ``p`` depots for ``average`` (p-median), ``worst`` (p-center) or
  ``coverage`` (max covering within ``within`` hours);
- :func:`preposition_capacitated` — fixed opening costs, capacities, split demand;
- :func:`allocate_stocks` — tons of each stock type per depot under a budget.

Scenario level: :func:`preposition_scenario`, :func:`stocks_scenario` (distances from
``costs.csv``, the transport network, or great-circle, see :func:`cost_table`).

All exact models run on HiGHS, built from numpy / scipy.sparse arrays; the p-median uses the
radius formulation (one variable per distinct distance per sector). Results carry ``status``,
``objective``, ``total``, ``depots``, ``allocation`` and the proven ``gap``.

Examples
--------
>>> import numpy as np
>>> cost = np.array([[0.0, 4.0, 9.0], [5.0, 1.0, 2.0], [8.0, 3.0, 0.0]])
>>> res = preposition(cost, [1, 1, 1], ["a", "b", "c"], ["x", "y", "z"], p=2)
>>> res.status, res.depots, res.total
('optimal', ['a', 'b'], 3.0)
"""

from __future__ import annotations

from forcegen.readiness._api import (
    EXACT_NNZ_LIMIT,
    OBJECTIVES,
    check_costs,
    preposition,
    preposition_capacitated,
)
from forcegen.readiness._distances import CostTable, cost_table, read_costs_csv
from forcegen.readiness._result import SOLVER_STATUSES, PrepositionResult
from forcegen.readiness._scenario_plan import preposition_scenario, stock_prices, stocks_scenario
from forcegen.readiness._stocks import DEFAULT_STOCK_PRICES, allocate_stocks

__all__ = [
    "DEFAULT_STOCK_PRICES",
    "EXACT_NNZ_LIMIT",
    "OBJECTIVES",
    "SOLVER_STATUSES",
    "CostTable",
    "PrepositionResult",
    "allocate_stocks",
    "check_costs",
    "cost_table",
    "preposition",
    "preposition_capacitated",
    "preposition_scenario",
    "read_costs_csv",
    "stock_prices",
    "stocks_scenario",
]
