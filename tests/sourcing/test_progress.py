"""Progress of a sourcing run as structured stage events (issue 10).

Every method, on a scenario with shortfalls and on what-ifs, must report known stages with a
fraction that never goes back and ends at 1.0; the workspace stores the same events.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from forcegen.scenario import load_scenario
from forcegen.sourcing import Sourcer, SourcingOptions
from forcegen.sourcing.criticality import nation_criticality
from forcegen.sourcing.progress import ProgressEvent, ProgressTracker, Stage

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "reassurance-force"


def _check(events: list[ProgressEvent]) -> None:
    assert events, "no progress reported"
    fractions = [e.fraction for e in events]
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert fractions == sorted(fractions), [(e.stage.name, e.fraction) for e in events]
    assert events[-1].stage is Stage.DONE and events[-1].fraction == 1.0
    assert all(isinstance(e.stage, Stage) and e.stage.name in Stage.__members__ for e in events)


@pytest.mark.parametrize("method", ["auto", "decompose", "exact", "greedy"])
def test_solve_reports_monotone_known_stages(method: str) -> None:
    events: list[ProgressEvent] = []
    plan = Sourcer(load_scenario(EXAMPLE), progress=events.append).solve(
        SourcingOptions(method=method))
    _check(events)
    names = [e.stage for e in events]
    assert names[0] is Stage.COMPILE and Stage.EXPLAIN in names
    assert (Stage.GREEDY in names) == (method in ("exact", "greedy"))
    assert (Stage.RELAX in names) == (method in ("auto", "decompose"))
    assert events[-1].detail == plan.status


def test_each_what_if_is_reported_from_its_start() -> None:
    events: list[ProgressEvent] = []
    s = Sourcer(load_scenario(EXAMPLE), progress=events.append)
    s.solve()
    first = len(events)
    s.solve(SourcingOptions(withdraw=("NZL",)))
    _check(events[:first])
    _check(events[first:])


def test_criticality_reports_what_ifs_in_order() -> None:
    events: list[ProgressEvent] = []
    _, impacts = nation_criticality(Sourcer(load_scenario(EXAMPLE)), progress=events.append)
    _check(events)
    what_ifs = [e for e in events if e.stage is Stage.WHAT_IF]
    assert len(what_ifs) == len(impacts) + 1  # the base plan, then one per nation


def test_tracker_never_goes_back() -> None:
    got: list[ProgressEvent] = []
    t = ProgressTracker(got.append)
    t.emit(Stage.ROUND)
    t.emit(Stage.GREEDY)  # a late greedy fallback keeps the fraction reached
    t.emit(Stage.WHAT_IF, fraction=2.0)  # clamped to 1
    assert [e.fraction for e in got] == [Stage.ROUND.fraction, Stage.ROUND.fraction, 1.0]
    assert got[1].stage is Stage.GREEDY and got[1].text == "greedy baseline"


def test_stage_fractions_follow_the_default_order() -> None:
    order = [Stage.READ, Stage.COMPILE, Stage.GREEDY, Stage.RELAX, Stage.ROUND, Stage.COST,
             Stage.MILP, Stage.TIE_BREAK, Stage.EXPLAIN, Stage.DONE]
    fr = [s.fraction for s in order]
    assert fr == sorted(fr) and fr[-1] == 1.0 and len(set(fr)) == len(fr)
