"""Downloads: a run's plan (workbook, CSV zip, JSON) as the reader may see it, and the
scenario as CSV tables or JSON (planners). Nothing hidden from the reader is in the file."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

import openpyxl

from forcegen.scenario import load_scenario
from forcegen.workspace.database import session_scope
from forcegen.workspace.runs.models import SourcingRun

from .conftest import Workspace, set_label

API = "/api/v1"


def _run(ws: Workspace) -> int:
    """A finished sourcing run over the sample (approved and provisional pledges), by admin."""
    from forcegen.workspace.accounts import User
    from forcegen.workspace.runs import service as runs

    with session_scope(ws.factory) as db:
        admin = db.query(User).filter_by(username="admin").one()
        run_id = runs.create(db, admin, ["provisional"], None).id
    runs.execute(ws.factory, run_id)
    with session_scope(ws.factory) as db:
        row = db.get(SourcingRun, run_id)
        assert row is not None and row.state == "done", row and row.error
    return run_id


def _get(ws: Workspace, who: str, path: str, **params: Any) -> bytes:
    r = ws.client(who).get(f"{API}{path}", params=params)
    assert r.status_code == 200, r.text
    return r.content


def _text_of_workbook(content: bytes) -> str:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    cells = [str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
             for c in row if c is not None]
    return "\n".join(cells)


def _text_of_zip(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        return {n: zf.read(n).decode() for n in zf.namelist()}


def test_liaison_plan_export_holds_no_other_nations_pledges(ws: Workspace) -> None:
    run = _run(ws)
    set_label(ws, "pledges", "P-FRA-2", 0, None)
    with ws.engine.begin() as conn:  # names the liaison may and may not read
        conn.exec_driver_sql("UPDATE pledges SET name = 'French field hospital' "
                             "WHERE id = 'P-FRA-1'")
        conn.exec_driver_sql("UPDATE pledges SET name = 'German secret name' "
                             "WHERE id = 'P-DEU-1'")
    for fmt in ("json", "csv", "xlsx"):
        planner = _get(ws, "lead", f"/runs/{run}/export", format=fmt)
        liaison = _get(ws, "liaison_fra", f"/runs/{run}/export", format=fmt)
        if fmt == "json":
            seen, full = liaison.decode(), planner.decode()
            assert json.loads(liaison)["marking"] == "UNCLASSIFIED"
        elif fmt == "csv":
            seen = "\n".join(_text_of_zip(liaison).values())
            full = "\n".join(_text_of_zip(planner).values())
            names = set(_text_of_zip(liaison))
            assert f"run-{run}-plan/assignments.csv" in names
            assert f"run-{run}-plan/MARKING.txt" in names
        else:
            seen, full = _text_of_workbook(liaison), _text_of_workbook(planner)
        # The planner's file has what the liaison's must not.
        assert "P-DEU-1" in full and "P-POL-1" in full, fmt
        assert fmt == "json" or "German secret name" in full  # the JSON carries no names
        for hidden in ("P-DEU-1", "P-DEU-2", "P-POL-1", "German secret name"):
            assert hidden not in seen, (fmt, hidden)
        assert "P-FRA-1" in seen, fmt
        if fmt != "json":
            assert "French field hospital" in seen, fmt  # names of what the reader may see


def test_plan_export_follows_the_run_label(ws: Workspace) -> None:
    run = _run(ws)
    set_label(ws, "sourcing_runs", str(run), 3, None)  # SECRET run: hidden from the uncleared
    r = ws.client("liaison_fra").get(f"{API}/runs/{run}/export", params={"format": "json"})
    assert r.status_code == 404
    r = ws.client("lead").get(f"{API}/runs/{run}/export", params={"format": "pdf"})
    assert r.status_code == 422
    with session_scope(ws.factory) as db:
        row = db.get(SourcingRun, run)
        assert row is not None
        row.state, row.result = "running", None
    r = ws.client("admin").get(f"{API}/runs/{run}/export", params={"format": "json"})
    assert r.status_code == 404  # no plan yet


def test_plan_workbook_is_marked_on_every_sheet(ws: Workspace) -> None:
    run = _run(ws)
    set_label(ws, "sourcing_runs", str(run), 1, ",FRA,")
    with ws.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE users SET clearance = 1")
    wb = openpyxl.load_workbook(io.BytesIO(_get(ws, "liaison_fra", f"/runs/{run}/export")))
    assert wb.properties.category == "RESTRICTED // REL TO FRA"
    for sheet in wb.worksheets:
        assert sheet.oddHeader.center.text == "RESTRICTED // REL TO FRA", sheet.title


def test_scenario_csv_export_reads_back_as_the_same_scenario(ws: Workspace, tmp_path: Any) -> None:
    content = _get(ws, "lead", "/scenario/export", format="csv")
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        assert "scenario/pledges.csv" in zf.namelist()
        zf.extractall(tmp_path)
    back = load_scenario(tmp_path / "scenario")
    yaml_doc = _get(ws, "lead", "/scenario/export", format="json")
    doc = json.loads(yaml_doc)
    assert sorted(p.id for p in back.data.pledges) == sorted(p["id"] for p in doc["pledges"])
    assert len(back.data.requirements) == len(doc["requirements"]) == 4
    rows = list(csv.DictReader(io.StringIO((tmp_path / "scenario" / "pledges.csv").read_text())))
    assert {r["id"] for r in rows} == {"P-FRA-1", "P-FRA-2", "P-DEU-1", "P-DEU-2", "P-POL-1"}


def test_scenario_export_leaves_out_what_the_planner_may_not_see(ws: Workspace) -> None:
    set_label(ws, "pledges", "P-POL-1", 3, None)
    for fmt in ("csv", "json"):
        content = _get(ws, "lead", "/scenario/export", format=fmt)
        text = ("\n".join(_text_of_zip(content).values()) if fmt == "csv" else content.decode())
        assert "P-POL-1" not in text and "P-DEU-1" in text, fmt
        r = ws.client("liaison_fra").get(f"{API}/scenario/export", params={"format": fmt})
        assert r.status_code == 403


def test_names_in_a_plan_file_come_only_from_records_the_reader_may_see(ws: Workspace) -> None:
    run = _run(ws)
    # After the run, a line it filled is renamed and classified TOP SECRET.
    with ws.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE requirements SET name = 'Operation ZZSECRET' "
                             "WHERE id = 'R-001'")
        conn.exec_driver_sql("UPDATE users SET clearance = 4 WHERE username = 'admin'")
    set_label(ws, "requirements", "R-001", 4, None)
    assert "Operation ZZSECRET" in _text_of_workbook(
        _get(ws, "admin", f"/runs/{run}/export", format="xlsx"))
    for who in ("lead", "liaison_fra"):
        for fmt in ("xlsx", "csv"):
            content = _get(ws, who, f"/runs/{run}/export", format=fmt)
            text = (_text_of_workbook(content) if fmt == "xlsx"
                    else "\n".join(_text_of_zip(content).values()))
            assert "ZZSECRET" not in text, (who, fmt)
