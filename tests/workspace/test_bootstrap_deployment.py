"""First start: the bundled example is loaded with its ``deployment.yaml``, so that a
deployment run works out of the box."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from forcegen.deployment import load_deployment
from forcegen.exceptions import ScenarioError
from forcegen.scenario import load_scenario
from forcegen.workspace.bootstrap import load_example_if_empty, with_deployment_file
from forcegen.workspace.database import make_engine, make_session_factory, session_scope, upgrade
from forcegen.workspace.reference import WorkspaceMeta

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "reassurance-force"


def test_example_loads_with_its_deployment_sections(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    upgrade(engine)
    factory = make_session_factory(engine)
    assert load_example_if_empty(factory, EXAMPLE)
    side = yaml.safe_load((EXAMPLE / "deployment.yaml").read_text())
    with session_scope(factory) as db:
        lift = db.get(WorkspaceMeta, "lift")
        ports = db.get(WorkspaceMeta, "ports")
        c_day = db.get(WorkspaceMeta, "c_day")
        assert lift is not None and [x["id"] for x in lift.value] == [
            x["id"] for x in side["lift"]]
        assert ports is not None and len(ports.value) == len(side["ports"])
        assert c_day is not None and c_day.value == str(side["c_day"])
    assert not load_example_if_empty(factory, EXAMPLE)  # only into an empty workspace
    engine.dispose()


def test_side_file_repeating_a_key_is_refused(tmp_path: Path) -> None:
    (tmp_path / "scenario.yaml").write_text("forcegen: 1\nc_day: 2027-01-01\n")
    (tmp_path / "deployment.yaml").write_text("c_day: 2027-02-01\n")
    with pytest.raises(ScenarioError, match=r"given here and in scenario\.yaml"):
        with_deployment_file(load_scenario(tmp_path), tmp_path)
    # and the same file is refused by forcegen deploy, naming the same key
    with pytest.raises(ScenarioError, match=r"given here and in scenario\.yaml"):
        load_deployment(tmp_path)
