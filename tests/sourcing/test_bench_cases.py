"""The whole-command benchmark's cases: the files it writes are valid scenarios of the asked
size and pool density, and the YAML and CSV forms of a case are the same scenario."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

from forcegen.scenario import load_scenario
from forcegen.sourcing.digest import scenario_digest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from sourcing_wall import write_case


@pytest.mark.parametrize("ppc", [5, 40])
def test_yaml_and_csv_cases_are_the_same_scenario_of_the_asked_density(
    tmp_path: Path, ppc: int
) -> None:
    got = {}
    for fmt in ("yaml", "csv"):
        path = write_case(tmp_path / fmt, 6, 400, 60, ppc, fmt, seed=2)
        assert path.is_file() == (fmt == "yaml")
        got[fmt] = load_scenario(path)
    scen = got["yaml"]
    assert (len(scen.nations), len(scen.pledges), len(scen.requirements)) == (6, 400, 60)
    pools = Counter(p.capability for p in scen.pledges)
    assert len(pools) <= 400 // ppc
    assert sum(pools.values()) / len(pools) == pytest.approx(ppc, rel=0.25)
    assert scenario_digest(got["csv"]) == scenario_digest(scen)
