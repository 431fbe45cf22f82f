"""Fixtures for the sourcing tests: the bundled example and the independent plan checks."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# The oracle lives beside the tests; make it importable whatever pytest's import mode.
sys.path.insert(0, str(Path(__file__).parent))

from _oracle import check_plan

from forcegen.scenario import Scenario, load_scenario
from forcegen.sourcing import Plan, SourcingOptions

EXAMPLE = Path(__file__).parents[2] / "examples/reassurance-force"


@pytest.fixture(scope="session")
def example() -> Scenario:
    """The bundled reassurance-force scenario (read once per session)."""
    return load_scenario(EXAMPLE)


@pytest.fixture
def assert_feasible() -> Callable[[Scenario, SourcingOptions, Plan], None]:
    """Fail with every broken rule when a plan does not pass the independent check."""

    def check(scenario: Scenario, options: SourcingOptions, plan: Plan) -> None:
        problems = check_plan(scenario, options, plan)
        assert not problems, "plan breaks the rules:\n" + "\n".join(problems)

    return check
