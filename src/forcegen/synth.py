"""Synthetic scenarios of any size, for benchmarks and property tests.

The generator draws nations with personnel ceilings, requirement lines over a catalog of
capability types, and pledges with notice, caveats (sectors, roles, duration), statuses and
costs, all from one seeded ``numpy.random.Generator`` so every case is reproducible.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pycountry

from forcegen.scenario import Scenario, scenario_from_dict
from forcegen.scenario.models import CAPABILITY_ROLES

__all__ = ["synthetic_scenario", "synthetic_scenario_dict"]


def _nation_codes(n: int) -> list[str]:
    codes = sorted(c.alpha_3 for c in pycountry.countries)
    if n > len(codes):
        raise ValueError(f"at most {len(codes)} nations (ISO 3166 has no more)")
    return codes[:n]


def synthetic_scenario_dict(
    nations: int = 20,
    pledges: int = 500,
    lines: int = 100,
    *,
    capabilities: int | None = None,
    sectors: int = 8,
    priorities: int = 4,
    caveat_rate: float = 0.25,
    ceiling_tightness: float = 1.0,
    seed: int = 0,
) -> dict[str, Any]:
    """A scenario as a plain dict (see :func:`synthetic_scenario`)."""
    rng = np.random.default_rng(seed)
    n_caps = capabilities or max(5, min(400, lines // 25))
    codes = _nation_codes(nations)
    sector_ids = [f"S{i:02d}" for i in range(sectors)]
    cap_codes = [f"CAP-{i:03d}" for i in range(n_caps)]
    cap_role = rng.choice(CAPABILITY_ROLES, size=n_caps)
    cap_pers = rng.integers(20, 800, size=n_caps)
    catalog = [
        {"code": c, "name": f"Capability {i}", "category": ["land", "air", "maritime",
         "medical", "logistics", "engineer", "cbrn", "cyber", "isr", "c2"][i % 10],
         "role": str(cap_role[i]), "personnel": int(cap_pers[i])}
        for i, c in enumerate(cap_codes)
    ]
    # Nation sizes follow a heavy tail: a few large contributors, many small ones.
    size = rng.pareto(1.2, size=nations) + 0.2
    p_nation = rng.choice(nations, size=pledges, p=size / size.sum())
    p_cap = rng.integers(0, n_caps, size=pledges)
    p_qty = rng.integers(1, 4, size=pledges)
    p_pers = np.maximum(5, (cap_pers[p_cap] * rng.uniform(0.7, 1.3, pledges))).astype(int)
    p_notice = rng.choice([2, 5, 10, 20, 30, 45, 60, 90], size=pledges)
    # Listed most committed first with their shares (the order of the draw, kept so that a
    # seed gives the same scenario as before).
    p_status = rng.choice(["approved", "provisional", "offered", "withdrawn"], size=pledges,
                          p=[0.65, 0.2, 0.1, 0.05])
    p_cost = (p_pers * rng.uniform(20_000, 60_000, pledges)).round(-3)
    r_cap = rng.integers(0, n_caps, size=lines)
    r_qty = rng.integers(1, 6, size=lines)
    r_sector = rng.integers(0, sectors, size=lines)
    r_prio = rng.integers(1, priorities + 1, size=lines)
    r_notice = rng.choice([5, 10, 20, 30, 60, 90], size=lines)
    r_months = rng.choice([0, 6, 12], size=lines)
    pledged_pers = np.bincount(p_nation, weights=p_pers * p_qty, minlength=nations)
    # About a third of the nations end up with a binding ceiling (the political reality of a
    # few capitals capping what their larger offers would allow).
    ceilings = np.ceil(pledged_pers * ceiling_tightness * rng.uniform(0.45, 1.5, nations))

    nation_rows = [
        {"code": c, "groups": ["synthetic"], "ceiling": {"personnel": int(ceilings[i])}}
        for i, c in enumerate(codes)
    ]
    req_rows = []
    for i in range(lines):
        row: dict[str, Any] = {
            "id": f"R-{i:05d}", "capability": cap_codes[r_cap[i]], "quantity": int(r_qty[i]),
            "sector": sector_ids[r_sector[i]], "priority": int(r_prio[i]),
            "notice_days": float(r_notice[i]),
        }
        if r_months[i]:
            row["months"] = int(r_months[i])
        req_rows.append(row)
    pledge_rows = []
    caveat_draw = rng.random((pledges, 3)) < caveat_rate / 3 * np.array([1.5, 1.0, 0.5])
    for i in range(pledges):
        row = {
            "id": f"P-{i:06d}", "nation": codes[p_nation[i]], "capability": cap_codes[p_cap[i]],
            "quantity": int(p_qty[i]), "personnel": int(p_pers[i]),
            "notice_days": float(p_notice[i]), "status": str(p_status[i]),
            "cost": float(p_cost[i]),
        }
        cav: dict[str, Any] = {}
        if caveat_draw[i, 0]:
            k = int(rng.integers(1, max(2, sectors // 2)))
            cav["sectors"] = sorted(rng.choice(sector_ids, size=k, replace=False).tolist())
        if caveat_draw[i, 1]:
            cav["roles"] = ["combat-support", "service-support"]
        if caveat_draw[i, 2]:
            cav["max_months"] = 6
        if cav:
            row["caveats"] = cav
        pledge_rows.append(row)
    return {
        "forcegen": 1,
        "name": f"synthetic {nations}x{pledges}x{lines} seed {seed}",
        "currency": "EUR",
        "nations": nation_rows,
        "catalog": catalog,
        "sectors": [{"id": s, "name": f"Sector {s}"} for s in sector_ids],
        "requirements": req_rows,
        "pledges": pledge_rows,
    }


def synthetic_scenario(nations: int = 20, pledges: int = 500, lines: int = 100,
                       **kwargs: Any) -> Scenario:
    """A validated synthetic :class:`~forcegen.scenario.Scenario`.

    Examples
    --------
    >>> s = synthetic_scenario(5, 40, 10, seed=1)
    >>> len(s.pledges), len(s.requirements)
    (40, 10)
    """
    return scenario_from_dict(
        synthetic_scenario_dict(nations, pledges, lines, **kwargs), source="<synthetic>"
    )
