"""The Odesa mine-countermeasure example loads, plans and searches in rounds."""

from __future__ import annotations

from pathlib import Path

import pytest

from forcegen.patrols import load_patrol
from forcegen.patrols.rounds import plan_search_rounds

EXAMPLE = Path(__file__).parents[2] / "examples" / "odesa-mcm"


def test_odesa_example_rounds():
    prob = load_patrol(EXAMPLE)
    assert prob.search is not None and set(prob.nations) == {"UKR", "ROU", "BGR", "TUR"}
    first, second = plan_search_rounds(prob, 2, time_limit=2.0, method="heuristic")
    for plan in (first, second):
        assert all(prob.route_ok(k, r) for k, r in enumerate(plan.routes))
    pos1 = first.search["probability_of_success"]
    assert pos1 == pytest.approx(first.total)  # search cells only: value = POS
    cum = second.search["cumulative_probability_of_success"]
    assert cum == pytest.approx(1 - (1 - pos1) * (1 - second.search["probability_of_success"]))
    assert 0 < pos1 < cum < 0.9
