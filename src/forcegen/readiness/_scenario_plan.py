"""Scenario-level pre-positioning: read sites, sectors and distances, then call the models."""

from __future__ import annotations

from typing import Any

import numpy as np

from forcegen.exceptions import OptionError, Problem, ScenarioError
from forcegen.readiness._api import preposition, preposition_capacitated
from forcegen.readiness._distances import CostTable, cost_table
from forcegen.readiness._objectives import DEFAULT_OBJECTIVE, OBJECTIVES
from forcegen.readiness._result import PrepositionResult
from forcegen.readiness._stocks import DEFAULT_STOCK_PRICES, allocate_stocks

__all__ = [
    "DEFAULT_OBJECTIVE",
    "OBJECTIVES",
    "preposition_scenario",
    "stock_prices",
    "stocks_scenario",
]

#: Names the scenario contract uses (docs/scenario.md: ``stocks: {..., spares: t, ...}``, as in
#: the bundled example) for stock types whose default price is kept under another name.
_STOCK_ALIASES: dict[str, str] = {"spares": "spare_parts"}


def _annotate(res: PrepositionResult, table: CostTable) -> PrepositionResult:
    res.extra["distances"] = table.source
    if table.notes:
        res.extra["notes"] = list(table.notes)
    return res


def preposition_scenario(
    scenario: Any,
    *,
    p: int | None = None,
    objective: str | None = None,
    within: float | None = None,
    time_limit: float | None = None,
    method: str = "auto",
    table: CostTable | None = None,
) -> PrepositionResult:
    """Pre-position depots for a scenario, as ``forcegen preposition`` does.

    With ``p`` it solves the chosen response objective (default :data:`DEFAULT_OBJECTIVE`);
    without ``p`` it runs capacitated siting, which needs ``capacity`` on every depot site
    (``fixed_cost`` defaults to 0), and naming an objective is an error (it would not run).

    Parameters
    ----------
    scenario
        A :class:`forcegen.scenario.Scenario`.
    p, objective, within, time_limit, method
        As in :func:`forcegen.readiness.preposition.preposition`.
    table
        A precomputed :class:`CostTable` (default: :func:`cost_table` of the scenario).
    """
    table = table or cost_table(scenario)
    sites = list(scenario.depot_sites)
    existing = np.array([s.existing for s in sites], dtype=bool)
    demand = np.array([s.demand for s in scenario.sectors], dtype=float)
    if p is not None:
        res = preposition(
            table.cost, demand, table.site_ids, table.sector_ids, p=p,
            objective=objective or DEFAULT_OBJECTIVE,
            within=within, existing=existing, time_limit=time_limit, method=method,
        )
        return _annotate(res, table)
    if objective is not None or within is not None:
        asked = f"{{objective}} {objective}" if objective is not None else "{within}"
        raise OptionError(f"{asked} needs {{depots}} P (without it, sites are chosen by "
                          "capacitated siting: opening plus transport cost)",
                          "objective", "within", "depots")
    if all(s.capacity is None and s.fixed_cost is None for s in sites):
        raise OptionError(
            "give {depots} P, or capacity and fixed_cost on the depot sites for capacitated "
            "siting", "depots"
        )
    missing = [
        Problem(scenario.source, f"depot site {s.id!r} has no capacity (needed for "
                "capacitated siting)", field=f"depot_sites[{k}].capacity")
        for k, s in enumerate(sites) if s.capacity is None
    ]
    if missing:
        raise ScenarioError(missing)
    res = preposition_capacitated(
        table.cost, demand, [s.capacity for s in sites], [s.fixed_cost for s in sites],
        table.site_ids, table.sector_ids, existing=existing, time_limit=time_limit,
    )
    return _annotate(res, table)


def stock_prices(scenario: Any, types: list[str]) -> np.ndarray:
    """Price per ton of each stock type: ``x-stock-prices`` in the scenario, else the defaults.

    Raises
    ------
    OptionError
        A stock type with no known price.
    """
    given = dict(scenario.data.extensions().get("x-stock-prices") or {})
    out = []
    for t in types:
        default = DEFAULT_STOCK_PRICES.get(_STOCK_ALIASES.get(t, t))
        if t in given:
            out.append(float(given[t]))
        elif default is not None:
            out.append(default)
        else:
            raise OptionError(
                f"no price for stock type {t!r}: add it under x-stock-prices in the scenario "
                f"(known defaults: {', '.join(sorted({*DEFAULT_STOCK_PRICES, *_STOCK_ALIASES}))})"
            )
    return np.array(out)


def stocks_scenario(
    scenario: Any,
    *,
    budget: float,
    depots: list[str] | None = None,
    time_limit: float | None = None,
    table: CostTable | None = None,
) -> PrepositionResult:
    """Allocate the sectors' stock demand (``Sector.stocks``) to depots under a budget.

    Parameters
    ----------
    scenario
        A :class:`forcegen.scenario.Scenario`.
    budget
        Money (scenario currency) for new depots and the stock itself.
    depots
        Only these site ids may hold stock (e.g. the result of a siting run); default: any.
    time_limit
        Seconds for HiGHS.
    table
        A precomputed :class:`CostTable`.
    """
    table = table or cost_table(scenario)
    sectors = list(scenario.sectors)
    types: list[str] = sorted({t for s in sectors for t in (s.stocks or {})})
    if not types:
        raise OptionError("no sector has stocks: add 'stocks: {ammunition: tons, ...}' to sectors")
    d = np.array([[float((s.stocks or {}).get(t, 0.0)) for t in types] for s in sectors])
    sites = list(scenario.depot_sites)
    allowed = None
    if depots is not None:
        unknown = sorted(set(depots) - set(table.site_ids))
        if unknown:
            raise OptionError(f"unknown depot site(s): {', '.join(unknown)}")
        allowed = np.isin(table.site_ids, depots)
    prio = dict(scenario.data.extensions().get("x-stock-priority") or {})
    res = allocate_stocks(
        table.cost, d, types, table.site_ids, table.sector_ids, budget=budget,
        price=stock_prices(scenario, types), capacity=[s.capacity for s in sites],
        fixed_cost=[s.fixed_cost for s in sites], existing=[s.existing for s in sites],
        allowed=allowed, weight=[float(prio.get(t, 1.0)) for t in types],
        time_limit=time_limit,
    )
    return _annotate(res, table)
