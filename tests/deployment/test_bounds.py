"""The lateness lower bound and the due-date plan against brute force on tiny cases."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from forcegen.deployment import load_deployment, plan_deployment
from forcegen.deployment.bounds import lateness_lower_bound
from forcegen.deployment.improve import due_date_plan
from forcegen.deployment.problem import from_deployment

from .test_schedule import _brute_force, _random_spec, _violations


def _problem(tmp_path: Path, spec: dict[str, Any]) -> Any:
    f = tmp_path / "scenario.yaml"
    f.write_text(yaml.safe_dump(spec, sort_keys=False))
    return load_deployment(f)


def _least_lateness(spec: dict[str, Any]) -> int | None:
    """The least total lateness of any plan, at any closure (brute force)."""
    import itertools

    moves = spec["movements"]
    horizon = max(m.get("available", 0) for m in moves) + sum(m["days"] for m in moves)
    best = None
    for starts in itertools.product(*[range(m.get("available", 0), horizon - m["days"] + 1)
                                      for m in moves]):
        late = sum(max(0, s + m["days"] - m["required"])
                   for m, s in zip(moves, starts, strict=True) if "required" in m)
        if best is not None and late >= best:
            continue
        if not _violations(spec, {m["id"]: s for m, s in zip(moves, starts, strict=True)}):
            best = late
    return best


@pytest.mark.parametrize("seed", range(40))
def test_bound_never_exceeds_the_least_lateness(tmp_path: Path, seed: int) -> None:
    spec = _random_spec(seed)
    for m in spec["movements"]:
        m.pop("latest", None)  # every case feasible: the bound is over all plans
    truth = _least_lateness(spec)
    assert truth is not None
    assert lateness_lower_bound(from_deployment(_problem(tmp_path, spec))) <= truth


def test_bound_sees_release_days(tmp_path: Path) -> None:
    # Both lines are ready on day 3 only and need the whole fleet for 2 days: one arrives on
    # day 5, the other on day 7 (2 days late). The energy alone, counted from day 0, and the
    # earliest arrivals (5, 5) both allow 0; the queue from the release day gives 2.
    spec = {"forcegen": 1, "lift": [{"id": "RORO", "mode": "sea", "capacity": 2}],
            "movements": [{"id": k, "days": 2, "lift": {"RORO": 2}, "available": 3,
                           "required": 5} for k in "AB"]}
    p = from_deployment(_problem(tmp_path, spec))
    assert lateness_lower_bound(p) == 2 == _least_lateness(spec)


def test_bound_adds_up_separate_queues(tmp_path: Path) -> None:
    # Two fleets, each with two lines queueing for it (2 days late each): 4 in all. Either
    # fleet alone proves 2; counting each line on its own fleet proves the 4.
    spec = {"forcegen": 1, "lift": [{"id": "RORO", "mode": "sea", "capacity": 2},
                                    {"id": "C17", "mode": "air", "capacity": 3}],
            "movements": [{"id": "A", "days": 2, "lift": {"RORO": 2}, "required": 2},
                          {"id": "B", "days": 2, "lift": {"RORO": 2}, "required": 2},
                          {"id": "C", "days": 2, "lift": {"C17": 3}, "required": 2},
                          {"id": "D", "days": 2, "lift": {"C17": 2}, "required": 2}]}
    p = from_deployment(_problem(tmp_path, spec))
    assert lateness_lower_bound(p) == 4 == _least_lateness(spec)


def test_energy_bound_is_exact_on_a_queue(tmp_path: Path) -> None:
    # Three lines each need the whole RORO fleet for 2 days and are all required on day 2:
    # they arrive on days 2, 4 and 6 whatever the order, 0 + 2 + 4 days late.
    spec = {"forcegen": 1, "lift": [{"id": "RORO", "mode": "sea", "capacity": 2}],
            "movements": [{"id": k, "days": 2, "lift": {"RORO": 2}, "required": 2}
                          for k in "ABC"]}
    assert _brute_force(spec) == (6, 6)
    assert lateness_lower_bound(from_deployment(_problem(tmp_path, spec))) == 6
    doc = plan_deployment(_problem(tmp_path, spec), time_limit=10).to_dict()
    assert (doc["status"], doc["lateness"], doc["lateness_bound"]) == ("optimal", 6, 6)


def test_due_date_plan_keeps_the_rules_and_meets_required_days(tmp_path: Path) -> None:
    # The latest-finish rule sends the long undated line first; the due-date plan does not.
    spec = {"forcegen": 1, "lift": [{"id": "C17", "mode": "air", "capacity": 1}],
            "movements": [{"id": "LONG", "days": 5, "lift": {"C17": 1}},
                          {"id": "A", "days": 1, "lift": {"C17": 1}, "required": 1},
                          {"id": "B", "days": 1, "lift": {"C17": 1}, "required": 2,
                           "after": ["A"]}]}
    p = from_deployment(_problem(tmp_path, spec))
    start = due_date_plan(p, 7)
    got = dict(zip(p.ids, (int(s) for s in start), strict=True))
    assert _violations(spec, got) == []
    late = np.where(p.required >= 0, np.maximum(0, start + p.dur - p.required), 0)
    assert int(late.sum()) == 0 and int((start + p.dur).max()) == 7


@pytest.mark.parametrize("seed", range(8))
def test_solver_with_dated_hint_matches_brute_force(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    spec = _random_spec(100 + seed)
    for m in spec["movements"]:
        m.pop("latest", None)
        m["required"] = rng.randint(1, 5)
    doc = plan_deployment(_problem(tmp_path, spec), time_limit=10).to_dict()
    assert (doc["closure"], doc["lateness"]) == _brute_force(spec)
    assert doc["status"] == "optimal" and doc["lateness_bound"] == doc["lateness"]


def test_heuristic_plan_at_the_time_limit_is_judged(tmp_path: Path, monkeypatch: Any) -> None:
    # CP-SAT finds nothing in time: the hint is shown with both bounds, not a bare "feasible".
    from ortools.sat.python import cp_model

    from forcegen.deployment import cpsat

    class Stub:
        best_objective_bound = 0.0

        def solve(self, _model: Any) -> Any:
            return cp_model.UNKNOWN

    monkeypatch.setattr(cpsat, "_solver", lambda *_a: Stub())
    # A weaker lateness bound than the real one (6), so the plan is not optimal at the start.
    monkeypatch.setattr(cpsat, "lateness_lower_bound", lambda *_a: 4)
    spec = {"forcegen": 1, "lift": [{"id": "RORO", "mode": "sea", "capacity": 2}],
            "movements": [{"id": k, "days": 2, "lift": {"RORO": 2}, "required": 2}
                          for k in "ABC"]}
    doc = plan_deployment(_problem(tmp_path, spec), time_limit=5).to_dict()
    assert (doc["closure"], doc["lateness"], doc["lateness_bound"]) == (6, 6, 4)
    # 6 is also the closure's bound from the lift alone, but CP-SAT proved nothing on the
    # lateness: the status says what is proven.
    assert doc["bound"] == 6 and doc["status"] == "feasible"
    assert any("time limit reached before CP-SAT" in n for n in doc["notes"])


def _three_on_one_ship() -> dict[str, Any]:
    return {"forcegen": 1, "lift": [{"id": "RORO", "mode": "sea", "capacity": 2}],
            "movements": [{"id": k, "days": 2, "lift": {"RORO": 2}, "required": 2}
                          for k in "ABC"]}


def test_plan_at_both_bounds_is_optimal_without_search(tmp_path: Path,
                                                        monkeypatch: Any) -> None:
    # Three 2-day lines on one ship: closure 6 is the lift's energy bound, lateness 0+2+4 the
    # bound too; the greedy plan reaches both, so no search may run and it is optimal.
    from forcegen.deployment import cpsat

    def no_search(*_a: Any) -> Any:
        raise AssertionError("CP-SAT was called on a plan already at its bounds")

    monkeypatch.setattr(cpsat, "_solver", no_search)
    doc = plan_deployment(_problem(tmp_path, _three_on_one_ship()), time_limit=5).to_dict()
    assert (doc["closure"], doc["lateness"], doc["lateness_bound"]) == (6, 6, 6)
    assert doc["status"] == "optimal" and doc["bound"] == 6
    assert any("without a search" in n for n in doc["notes"])


def test_no_time_to_build_the_model_returns_the_heuristic_plan(tmp_path: Path,
                                                               monkeypatch: Any) -> None:
    # The time limit covers the whole plan: when building the model would not fit (made so
    # here by pricing it at a million serial schedules), the heuristic plan is returned with
    # its proven bounds, and neither the model nor the solver is touched.
    from forcegen.deployment import cpsat

    def nothing(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("the model was built with no time left")

    monkeypatch.setattr(cpsat, "_BUILD_SERIALS", 1e6)
    monkeypatch.setattr(cpsat, "_build", nothing)
    monkeypatch.setattr(cpsat, "lateness_lower_bound", lambda *_a: 0)
    doc = plan_deployment(_problem(tmp_path, _three_on_one_ship()), time_limit=5).to_dict()
    assert (doc["closure"], doc["lateness"], doc["bound"]) == (6, 6, 6)
    assert doc["status"] == "feasible" and doc["lateness_bound"] == 0
    assert any("before the exact model was built" in n for n in doc["notes"])


@pytest.mark.parametrize("seed", range(20))
def test_feasible_agrees_with_the_rules(tmp_path: Path, seed: int) -> None:
    from forcegen.deployment.problem import feasible

    spec = _random_spec(seed)
    p = from_deployment(_problem(tmp_path, spec))
    rng = np.random.default_rng(seed)
    for _ in range(30):
        start = rng.integers(0, 8, p.n).astype(np.int64)
        by_id = dict(zip(p.ids, (int(s) for s in start), strict=True))
        assert feasible(p, start) == (_violations(spec, by_id) == []), by_id


@pytest.mark.parametrize("seed", range(8))
def test_whatif_from_the_base_plan_matches_a_cold_solve(tmp_path: Path, seed: int) -> None:
    from forcegen.deployment import with_lift

    spec = _random_spec(200 + seed)
    for m in spec["movements"]:
        m.pop("latest", None)
    dep = _problem(tmp_path, spec)
    base = plan_deployment(dep, time_limit=10)
    more = with_lift(dep, {x.id: x.capacity + 1 for x in dep.lift})
    warm = plan_deployment(more, time_limit=10, warm=base).to_dict()
    cold = plan_deployment(more, time_limit=10).to_dict()
    assert (warm["status"], warm["closure"], warm["lateness"]) == (
        cold["status"], cold["closure"], cold["lateness"])
    spec2 = {**spec, "lift": [{**x, "capacity": x["capacity"] + 1} for x in spec["lift"]]}
    assert (warm["closure"], warm["lateness"]) == _brute_force(spec2)


@pytest.mark.parametrize("seed", range(8))
def test_whatif_with_less_lift_repairs_the_base_plan(tmp_path: Path, seed: int) -> None:
    from forcegen.deployment import with_lift

    spec = _random_spec(300 + seed)
    for m in spec["movements"]:
        m.pop("latest", None)
    dep = _problem(tmp_path, spec)
    need = {x.id: max([m.lift.get(x.id, 0) for m in dep.movements] + [0]) for x in dep.lift}
    less = {x.id: max(need[x.id], x.capacity - 1) for x in dep.lift}
    base = plan_deployment(dep, time_limit=10)
    warm = plan_deployment(with_lift(dep, less), time_limit=10, warm=base).to_dict()
    spec2 = {**spec, "lift": [{**x, "capacity": less[x["id"]]} for x in spec["lift"]]}
    assert _violations(spec2, {r["id"]: r["start"] for r in warm["movements"]}) == []
    assert warm["status"] == "optimal"
    assert (warm["closure"], warm["lateness"]) == _brute_force(spec2)
