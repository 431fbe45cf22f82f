"""Reading a scenario runs no cyclic garbage collection (it dominated large loads), and leaves
the collector as it found it, also when the scenario is rejected."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from forcegen.exceptions import ScenarioError
from forcegen.scenario import load_scenario, scenario_from_dict
from forcegen.synth import synthetic_scenario_dict


def _body(func: object) -> object:
    return getattr(func, "__wrapped__", func).__code__  # type: ignore[attr-defined]


@pytest.fixture
def collections_inside() -> Iterator[list[str]]:
    """Names of the readers running whenever a collection starts (one entry per collection
    that started inside ``load_scenario`` or ``scenario_from_dict``)."""
    bodies = {_body(load_scenario): "load_scenario",
              _body(scenario_from_dict): "scenario_from_dict"}
    seen: list[str] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase != "start":
            return
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code in bodies:
                seen.append(bodies[frame.f_code])
                return
            frame = frame.f_back  # type: ignore[assignment]

    gc.callbacks.append(watch)
    try:
        yield seen
    finally:
        gc.callbacks.remove(watch)


def _write(tmp_path: Path, doc: dict[str, object]) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def test_reading_runs_no_collection(tmp_path: Path, collections_inside: list[str]) -> None:
    path = _write(tmp_path, synthetic_scenario_dict(5, 400, 80, seed=3))
    assert gc.isenabled()
    assert len(load_scenario(path).pledges) == 400
    assert len(scenario_from_dict(synthetic_scenario_dict(5, 400, 80, seed=4)).pledges) == 400
    assert collections_inside == []
    assert gc.isenabled()


def test_collector_restored_after_a_rejected_scenario(tmp_path: Path) -> None:
    doc = synthetic_scenario_dict(3, 20, 5, seed=1)
    doc["pledges"][0]["nation"] = "XXX"
    with pytest.raises(ScenarioError):
        load_scenario(_write(tmp_path, doc))
    assert gc.isenabled()


def test_collector_left_off_when_the_caller_had_it_off(tmp_path: Path) -> None:
    gc.disable()
    try:
        load_scenario(_write(tmp_path, synthetic_scenario_dict(3, 20, 5, seed=1)))
        assert not gc.isenabled()
    finally:
        gc.enable()
