"""Rows -> Scenario directly (issue 10): the scenario a run builds from the database's rows is
the scenario the file reader builds from the same data exported as a file.

The oracle is the independent path: the workspace exported as ``scenario.yaml`` (``to_dict``)
and read back by ``scenario_from_dict``, the reader every scenario file goes through.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from forcegen.exceptions import ScenarioError
from forcegen.scenario import scenario_from_dict
from forcegen.workspace.access import LabelScope
from forcegen.workspace.database import session_scope
from forcegen.workspace.models import User
from forcegen.workspace.scenarios.export import to_dict
from forcegen.workspace.scenarios.runnable import runnable_scenario

from .conftest import Workspace, set_label


def _dump(sc: Any) -> dict[str, Any]:
    return sc.data.model_dump(mode="json")


def test_rows_give_the_scenario_the_file_reader_gives(ws: Workspace) -> None:
    set_label(ws, "pledges", "P-FRA-1", 2, ",FRA,GBR,")  # label keys ride along as extensions
    with session_scope(ws.factory) as db:
        liaison = db.query(User).filter_by(username="liaison_fra").one()
        seen = {}
        for who, reader in (("system", None), ("liaison", LabelScope(liaison, 0))):
            mine, excluded = runnable_scenario(db, reader=reader)
            theirs = scenario_from_dict(to_dict(db, reader), source="<workspace>")
            assert excluded == []
            assert _dump(mine) == _dump(theirs)
            assert mine.catalog == theirs.catalog and mine.layout == theirs.layout
            assert mine.tables == {} and mine.root is None
            seen[who] = {p.id: p for p in mine.pledges}
    assert seen["system"]["P-FRA-1"].__pydantic_extra__ == {
        "x-classification": "CONFIDENTIAL", "x-releasable-to": ["FRA", "GBR"]}
    assert "P-FRA-1" not in seen["liaison"]  # above the reader's clearance: not in its run

def test_an_invalid_row_is_left_out_and_named_the_rest_kept(ws: Workspace) -> None:
    with ws.engine.begin() as conn:
        conn.execute(text("UPDATE pledges SET quantity = -3 WHERE id = 'P-DEU-1'"))
        conn.execute(text("UPDATE requirements SET capability = 'GONE' WHERE id = "
                          "(SELECT MIN(id) FROM requirements)"))
    with session_scope(ws.factory) as db:
        mine, excluded = runnable_scenario(db)
        everything = to_dict(db)
    with pytest.raises(ScenarioError):
        scenario_from_dict(everything)  # the file reader refuses the whole thing
    got = {(e["kind"], e["id"], e["field"]) for e in excluded}
    first_req = min(r["id"] for r in everything["requirements"])
    assert got == {("pledge", "P-DEU-1", "quantity"), ("requirement", first_req, "capability")}
    assert {p.id for p in mine.pledges} == {p["id"] for p in everything["pledges"]} - {"P-DEU-1"}
    assert len(mine.requirements) == len(everything["requirements"]) - 1
