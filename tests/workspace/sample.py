"""A small scenario used by the workspace tests (two sectors, four nations)."""

from __future__ import annotations

from typing import Any

__all__ = ["NATIONS", "sample_scenario"]

NATIONS = ("FRA", "DEU", "POL", "NLD")


def sample_scenario() -> dict[str, Any]:
    """A valid scenario dict: requirements R-001..R-004, pledges P-<nation>-<n>."""
    return {
        "forcegen": 1,
        "name": "Workspace test force",
        "currency": "EUR",
        "x-note": "kept on export",
        "nations": [
            {"code": "FRA", "groups": ["NATO", "EU"], "ceiling": {"personnel": 5000}},
            {"code": "DEU", "groups": ["NATO", "EU"]},
            {"code": "POL", "groups": ["NATO", "EU"]},
            {"code": "NLD", "groups": ["NATO", "EU"]},
        ],
        "catalog": [
            {
                "code": "X-ROLE2",
                "name": "Role 2 medical",
                "category": "medical",
                "role": "service-support",
            }
        ],
        "sectors": [
            {"id": "north", "name": "Sector North", "at": [30.5, 50.4]},
            {"id": "south", "name": "Sector South", "at": [28.0, 46.9], "demand": 2.0},
        ],
        "requirements": [
            {
                "id": "R-001",
                "capability": "X-ROLE2",
                "quantity": 2,
                "sector": "north",
                "priority": 1,
                "notice_days": 30,
            },
            {
                "id": "R-002",
                "capability": "X-ROLE2",
                "quantity": 1,
                "sector": "south",
                "priority": 2,
                "notice_days": 30,
                "start": "2026-03-01",
                "months": 6,
            },
            {
                "id": "R-003",
                "capability": "X-ROLE2",
                "quantity": 3,
                "sector": "south",
                "priority": 3,
                "notice_days": 10,
            },
            {
                "id": "R-004",
                "capability": "X-ROLE2",
                "quantity": 5,
                "sector": "north",
                "priority": 2,
                "notice_days": 60,
            },
        ],
        "pledges": [
            {
                "id": "P-FRA-1",
                "nation": "FRA",
                "capability": "X-ROLE2",
                "quantity": 2,
                "personnel": 120,
                "notice_days": 10,
                "status": "approved",
                "cost": 1000000,
                "home": [2.35, 48.85],
            },
            {
                "id": "P-FRA-2",
                "nation": "FRA",
                "capability": "X-ROLE2",
                "quantity": 1,
                "personnel": 120,
                "notice_days": 20,
                "status": "offered",
                "caveats": {"sectors": ["south"]},
            },
            {
                "id": "P-DEU-1",
                "nation": "DEU",
                "capability": "X-ROLE2",
                "quantity": 2,
                "personnel": 100,
                "notice_days": 5,
                "status": "approved",
                "cost": 900000,
            },
            {
                "id": "P-DEU-2",
                "nation": "DEU",
                "capability": "X-ROLE2",
                "quantity": 1,
                "personnel": 100,
                "notice_days": 5,
                "status": "provisional",
            },
            {
                "id": "P-POL-1",
                "nation": "POL",
                "capability": "X-ROLE2",
                "quantity": 1,
                "personnel": 90,
                "notice_days": 40,
                "status": "approved",
            },
        ],
    }
