"""One definition per concept (issue 10): the workspace's API accepts exactly what the scenario
core accepts, so a record entered in the workspace always exports and sources, and an imported
scenario always fits the API.

Each field is tried at and just beyond its bounds through both models: the core's
``Requirement`` / ``Pledge`` (what the scenario reader checks) and the workspace's
``RequirementCreate`` / ``PledgeCreate`` (what the API checks). The verdicts must agree. The
expected verdicts are written out too (from ``docs/scenario.md``), so a bound moved in both
places at once is caught as well.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from forcegen.scenario import models as core
from forcegen.scenario.limits import (
    MAX_COST,
    MAX_DAYS,
    MAX_ID_CHARS,
    MAX_LIST_ITEMS,
    MAX_MONTHS,
    MAX_NAME_CHARS,
    MAX_PERSONNEL,
    MAX_PRIORITY,
    MAX_QUANTITY,
)
from forcegen.workspace.accounts import USER_ROLES
from forcegen.workspace.pledges.schemas import TRANSITIONS, PledgeCreate
from forcegen.workspace.requirements.schemas import RequirementCreate

REQUIREMENT: dict[str, Any] = {
    "id": "R-1", "capability": "INF-BN", "quantity": 1, "sector": "north", "notice_days": 10,
}
PLEDGE: dict[str, Any] = {
    "id": "FRA-1", "nation": "FRA", "capability": "INF-BN", "quantity": 1, "personnel": 600,
    "notice_days": 10,
}

#: (field, value, accepted?) tried on requirements.
REQUIREMENT_CASES: list[tuple[str, Any, bool]] = [
    ("quantity", 0, False), ("quantity", 1, True), ("quantity", MAX_QUANTITY, True),
    ("quantity", MAX_QUANTITY + 1, False),
    ("priority", 0, False), ("priority", 1, True), ("priority", MAX_PRIORITY, True),
    ("priority", MAX_PRIORITY + 1, False), ("priority", 1000, False),
    ("months", 0, False), ("months", 1, True), ("months", MAX_MONTHS, True),
    ("months", MAX_MONTHS + 1, False),
    ("notice_days", -0.5, False), ("notice_days", 0, True), ("notice_days", MAX_DAYS, True),
    ("notice_days", MAX_DAYS + 0.5, False), ("notice_days", math.inf, False),
    ("notice_days", math.nan, False),
    ("id", "", False), ("id", "a", True), ("id", "x" * MAX_ID_CHARS, True),
    ("id", "x" * (MAX_ID_CHARS + 1), False), ("id", "a\x00b", False), ("id", "a\tb", False),
    ("id", "Bn 1 (FR)", True),
    ("name", "x" * MAX_NAME_CHARS, True), ("name", "x" * (MAX_NAME_CHARS + 1), False),
    ("name", "a\nb", False), ("name", "a\tb", False), ("name", "Kyiv – north", True),
    ("certified", [], True), ("certified", ["NRF-2027", "CBRN 1"], True),
    ("certified", ["x" * MAX_NAME_CHARS], True), ("certified", ["x" * (MAX_NAME_CHARS + 1)], False),
    ("certified", ["a\x00b"], False), ("certified", "NRF-2027", False),
    ("certified", [f"C{i}" for i in range(MAX_LIST_ITEMS)], True),
    ("certified", [f"C{i}" for i in range(MAX_LIST_ITEMS + 1)], False),
]

#: (field, value, accepted?) tried on pledges.
PLEDGE_CASES: list[tuple[str, Any, bool]] = [
    ("quantity", 0, False), ("quantity", MAX_QUANTITY, True),
    ("quantity", MAX_QUANTITY + 1, False),
    ("personnel", -1, False), ("personnel", 0, True), ("personnel", MAX_PERSONNEL, True),
    ("personnel", MAX_PERSONNEL + 1, False),
    ("cost", -1, False), ("cost", 0, True), ("cost", MAX_COST, True),
    ("cost", MAX_COST * 1.5, False), ("cost", math.inf, False),
    ("notice_days", MAX_DAYS, True), ("notice_days", MAX_DAYS + 1, False),
    ("nation", "FRA", True), ("nation", "fra", True), ("nation", "FR", False),
    ("nation", "FRAN", False), ("nation", "F1A", False),
    ("home", [180, 90], True), ("home", [180.5, 0], False), ("home", [0, -90.5], False),
    ("home", "node-7", True),
    ("caveats", {"max_months": MAX_MONTHS}, True),
    ("caveats", {"max_months": MAX_MONTHS + 1}, False),
    ("caveats", {"roles": ["combat", "service-support"]}, True),
    ("caveats", {"roles": ["logistics"]}, False),
    ("name", "x" * (MAX_NAME_CHARS + 1), False), ("name", "a\x07b", False),
]


def _accepts(model: type[BaseModel], data: dict[str, Any]) -> bool:
    try:
        model.model_validate(data)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(("field", "value", "ok"), REQUIREMENT_CASES)
def test_requirement_bounds_are_the_cores(field: str, value: Any, ok: bool) -> None:
    data = {**REQUIREMENT, field: value}
    assert _accepts(core.Requirement, data) is ok, "core"
    assert _accepts(RequirementCreate, data) is ok, "workspace"


@pytest.mark.parametrize(("field", "value", "ok"), PLEDGE_CASES)
def test_pledge_bounds_are_the_cores(field: str, value: Any, ok: bool) -> None:
    data = {**PLEDGE, field: value}
    assert _accepts(core.Pledge, data) is ok, "core"
    assert _accepts(PledgeCreate, data) is ok, "workspace"


def test_one_spelling_of_statuses_and_roles() -> None:
    # Pledge statuses: one ordered tuple; the workflow moves between exactly those.
    assert core.PLEDGE_STATUSES == ("offered", "provisional", "approved", "withdrawn")
    assert set(TRANSITIONS) == set(core.PLEDGE_STATUSES)
    assert all(t <= set(core.PLEDGE_STATUSES) for t in TRANSITIONS.values())
    assert set(core.USABLE_STATUSES) == set(core.PLEDGE_STATUSES) - {"withdrawn"}
    # A capability's role and a user's role are different concepts with different names.
    assert core.CAPABILITY_ROLES == ("combat", "combat-support", "service-support")
    assert USER_ROLES == ("admin", "lead_planner", "liaison", "observer")
    assert not hasattr(core, "ROLES") and not hasattr(core, "STATUSES")
