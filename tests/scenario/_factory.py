"""Small valid scenario documents to break on purpose."""

from __future__ import annotations

import copy
from typing import Any

BASE: dict[str, Any] = {
    "forcegen": 1,
    "name": "tiny",
    "currency": "EUR",
    "nations": [
        {"code": "FRA", "groups": ["NATO", "EU"], "ceiling": {"personnel": 2000}},
        {"code": "NZL", "groups": ["remote"]},
    ],
    "sectors": [
        {"id": "north", "name": "Sector North", "at": [30.52, 50.45]},
        {"id": "south", "at": [30.73, 46.48], "demand": 2.0},
    ],
    "requirements": [
        {"id": "R-1", "capability": "INF-MECH-BN", "quantity": 2, "sector": "north",
         "priority": 1, "notice_days": 30, "start": "2027-03-01", "months": 6},
        {"id": "R-2", "capability": "ROLE2-MED", "quantity": 1, "sector": "south",
         "priority": 2, "notice_days": 10},
    ],
    "pledges": [
        {"id": "P-1", "nation": "FRA", "capability": "INF-MECH-BN", "quantity": 1,
         "personnel": 750, "notice_days": 10, "status": "approved", "cost": 25000000,
         "home": [2.35, 48.85], "caveats": {"sectors": ["north"], "max_months": 6}},
        {"id": "P-2", "nation": "NZL", "capability": "ROLE2-MED", "quantity": 1,
         "personnel": 60, "notice_days": 5, "status": "provisional",
         "caveats": {"roles": ["service-support"]}, "x-note": "kept on export"},
    ],
}


def doc() -> dict[str, Any]:
    return copy.deepcopy(BASE)
