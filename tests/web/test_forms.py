"""Forms: inline validation errors, optimistic locking (409 shows the current record), the
approval buttons, and the Excel import preview that saves nothing when the file is bad."""

from __future__ import annotations

import io
import re
from pathlib import Path

import httpx2
import openpyxl
import yaml
from sqlalchemy import func, select

from forcegen.scenario import load_scenario, write_scenario
from forcegen.workspace.database import session_scope
from forcegen.workspace.models import AuditEntry, Pledge, Requirement, WorkspaceMeta

from .conftest import EXAMPLE, Web, csrf_of, pledge_form


def _pledge(web: Web, pledge_id: str) -> Pledge:
    with session_scope(web.factory) as db:
        row = db.get(Pledge, pledge_id)
        assert row is not None
        db.expunge(row)
        return row


def _error_at(html: str, field: str) -> str:
    m = re.search(rf'<p class="error"[^>]*data-field="{field}">([^<]*)</p>', html)
    assert m, f"no inline error at {field}"
    return m.group(1)


def test_edit_saves_and_records_who(web: Web) -> None:
    c = web.signed_in("liaison_fra")
    token = csrf_of(c, "/pledges/P-FRA-05")
    r = c.post("/pledges/P-FRA-05", data={"csrf_token": token, **pledge_form(web, "P-FRA-05",
                                                                          quantity="2")})
    assert r.status_code == 303 and r.headers["location"].startswith("/pledges/P-FRA-05")
    after = _pledge(web, "P-FRA-05")
    assert (after.quantity, after.version, after.updated_by) == (2, 2, "liaison_fra")
    assert after.home == [3.08, 45.78]
    page = c.get(r.headers["location"]).text
    assert "Pledge P-FRA-05 saved." in page and 'name="version" value="2"' in page


def test_invalid_values_are_shown_next_to_their_fields(web: Web) -> None:
    c = web.signed_in("liaison_fra")
    token = csrf_of(c, "/pledges/P-FRA-05")
    bad = pledge_form(web, "P-FRA-05", quantity="0", notice_days="soon", home="500; 95")
    r = c.post("/pledges/P-FRA-05", data={"csrf_token": token, **bad})
    assert r.status_code == 422
    assert "greater than or equal to 1" in _error_at(r.text, "quantity")
    assert _error_at(r.text, "notice_days")
    assert _error_at(r.text, "home")
    # What the user typed is kept in the form, and nothing was saved.
    assert 'value="soon"' in r.text
    assert _pledge(web, "P-FRA-05").version == 1
    # A rule of the service (unknown capability) also lands at its field.
    r = c.post("/pledges/P-FRA-05",
               data={"csrf_token": token, **pledge_form(web, "P-FRA-05", capability="NO-SUCH")})
    assert r.status_code == 422 and "unknown capability" in _error_at(r.text, "capability")


def test_new_pledge_form_checks_fields_and_nation(web: Web) -> None:
    c = web.signed_in("liaison_fra")
    token = csrf_of(c, "/pledges/new")
    r = c.post("/pledges/new", data={"csrf_token": token, "id": "", "nation": "FRA",
                                     "capability": "ROLE1-MED", "quantity": "1"})
    assert r.status_code == 422
    assert 'data-field="id"' not in r.text  # left empty, the workspace assigns one
    assert _error_at(r.text, "personnel") == "required"
    r = c.post("/pledges/new", data={"csrf_token": token, "id": "", "nation": "FRA",
                                     "capability": "ROLE1-MED", "quantity": "1",
                                     "personnel": "60", "notice_days": "10"})
    assert r.status_code == 303, r.text
    assert re.fullmatch(r"/pledges/FRA-[0-9A-Z]{10}", r.headers["location"].split("?")[0])
    r = c.post("/pledges/new", data={"csrf_token": token, "id": "P-FRA-99", "nation": "GBR",
                                     "capability": "ROLE1-MED", "quantity": "1",
                                     "personnel": "60", "notice_days": "10"})
    assert r.status_code == 403  # a liaison pledges only for their own nation
    r = c.post("/pledges/new", data={"csrf_token": token, "id": "P-FRA-99", "nation": "FRA",
                                     "capability": "ROLE1-MED", "quantity": "1",
                                     "personnel": "60", "notice_days": "10",
                                     "caveat_roles": "service-support"})
    assert r.status_code == 303
    row = _pledge(web, "P-FRA-99")
    assert (row.status, row.created_by, row.caveats) == (
        "offered", "liaison_fra", {"roles": ["service-support"]})


def test_stale_version_gets_409_with_the_current_record(web: Web) -> None:
    first, second = web.signed_in("liaison_fra"), web.signed_in("lead")
    t1, t2 = csrf_of(first, "/pledges/P-FRA-09"), csrf_of(second, "/pledges/P-FRA-09")
    stale = pledge_form(web, "P-FRA-09")  # both opened version 1
    r = second.post("/pledges/P-FRA-09", data={"csrf_token": t2, **stale, "personnel": "520"})
    assert r.status_code == 303
    r = first.post("/pledges/P-FRA-09", data={"csrf_token": t1, **stale, "quantity": "3"})
    assert r.status_code == 409
    assert 'data-testid="conflict"' in r.text
    assert "<strong>2</strong>" in r.text and "lead" in r.text  # current version and who
    assert "<td>personnel</td><td>500</td><td><strong>520</strong></td>" in r.text
    assert "<td>cost</td>" not in r.text  # unchanged fields are not listed
    assert "based on version 1" in r.text
    assert 'name="version" value="2"' in r.text  # the form now carries the current version
    # An invalid save on a stale page keeps the stale version: the next save still conflicts.
    stale2 = pledge_form(web, "P-FRA-09", version="1")
    r = first.post("/pledges/P-FRA-09", data={"csrf_token": t1, **stale2, "quantity": "0"})
    assert r.status_code == 422 and 'name="version" value="1"' in r.text
    r = first.post("/pledges/P-FRA-09", data={"csrf_token": t1, **stale2, "quantity": "2"})
    assert r.status_code == 409
    after = _pledge(web, "P-FRA-09")
    assert (after.quantity, after.personnel, after.version) == (1, 520, 2)


def test_approval_buttons_walk_the_workflow(web: Web) -> None:
    c = web.signed_in("liaison_fra")
    page = c.get("/pledges/P-FRA-09").text  # provisional
    assert 'value="approved"' in page and 'value="withdrawn"' in page
    token = csrf_of(c)
    r = c.post("/pledges/P-FRA-09/status", data={"csrf_token": token, "version": "1",
                                                 "status": "approved", "note": "capital ok",
                                                 "back": "/pledges"})
    assert r.status_code == 303 and r.headers["location"].startswith("/pledges?notice=")
    row = _pledge(web, "P-FRA-09")
    assert (row.status, row.status_changed_by, row.version) == ("approved", "liaison_fra", 2)
    with session_scope(web.factory) as db:
        entry = db.scalars(select(AuditEntry).where(AuditEntry.entity_id == "P-FRA-09")
                           .order_by(AuditEntry.seq.desc())).first()
        assert entry is not None and entry.action == "status:approved"
        assert entry.after["note"] == "capital ok"
    # approved -> provisional is not a move of the workflow: error shown, nothing changed.
    r = c.post("/pledges/P-FRA-09/status",
               data={"csrf_token": token, "version": "2", "status": "provisional"})
    assert r.status_code == 422 and "can move to: withdrawn" in r.text
    # A button from a page that is out of date: 409 with the record as it is now.
    r = c.post("/pledges/P-FRA-09/status",
               data={"csrf_token": token, "version": "1", "status": "withdrawn"})
    assert r.status_code == 409 and 'data-testid="conflict"' in r.text
    assert _pledge(web, "P-FRA-09").status == "approved"


def test_requirement_form_for_planners_only(web: Web) -> None:
    lead = web.signed_in("lead")
    token = csrf_of(lead, "/requirements/R-001")
    r = lead.post("/requirements/R-001", data={
        "csrf_token": token, "version": "1", "capability": "HQ-FORCE", "sector": "kyiv",
        "quantity": "-1", "priority": "1", "notice_days": "30"})
    assert r.status_code == 422 and _error_at(r.text, "quantity")
    liaison = web.signed_in("liaison_fra")
    page = liaison.get("/requirements/R-001").text
    assert "Read-only" in page
    r = liaison.post("/requirements/R-001", data={
        "csrf_token": csrf_of(liaison), "version": "1", "capability": "HQ-FORCE",
        "sector": "kyiv", "quantity": "2", "priority": "1", "notice_days": "30"})
    assert r.status_code == 403


def _requirement_certified(web: Web, rid: str) -> tuple[list[str] | None, int]:
    with session_scope(web.factory) as db:
        row = db.get(Requirement, rid)
        assert row is not None
        return row.certified, row.version


def test_requirement_form_sets_keeps_and_clears_certifications(web: Web) -> None:
    lead = web.signed_in("lead")
    base = {"capability": "HQ-FORCE", "sector": "kyiv", "quantity": "1", "priority": "1",
            "notice_days": "30"}

    def post(certified: str | None) -> httpx2.Response:
        _, version = _requirement_certified(web, "R-001")
        data = {"csrf_token": csrf_of(lead, "/requirements/R-001"), "version": str(version),
                **base}
        if certified is not None:
            data["certified"] = certified
        return lead.post("/requirements/R-001", data=data)

    r = post(" NRF-2027 , CBRN 1,")
    assert r.status_code == 303, r.text
    assert _requirement_certified(web, "R-001")[0] == ["NRF-2027", "CBRN 1"]
    assert "NRF-2027, CBRN 1" in lead.get("/requirements/R-001").text
    # A name holding a comma, posted back untouched, is kept whole.
    with session_scope(web.factory) as db:
        row = db.get(Requirement, "R-001")
        assert row is not None
        row.certified = ["NRF, 2027"]
    assert post("NRF, 2027").status_code == 303
    assert _requirement_certified(web, "R-001")[0] == ["NRF, 2027"]
    assert post(None).status_code == 303  # no field: unchanged
    assert _requirement_certified(web, "R-001")[0] == ["NRF, 2027"]
    r = post("NRF-" + "X" * 300)
    assert r.status_code == 422 and _error_at(r.text, "certified")
    assert post("").status_code == 303  # emptied: none asked
    assert _requirement_certified(web, "R-001")[0] is None


def _counts(web: Web) -> tuple[int, int, object]:
    with session_scope(web.factory) as db:
        meta = db.get(WorkspaceMeta, "name")
        return (
            db.scalar(select(func.count()).select_from(Pledge)) or 0,
            db.scalar(select(func.count()).select_from(Requirement)) or 0,
            meta.value if meta else None,
        )


def _bad_workbook(tmp: Path) -> bytes:
    path = write_scenario(load_scenario(EXAMPLE), tmp / "scenario.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["pledges"]
    ws.cell(row=3, column=4, value="lots")  # quantity of the second pledge
    ws.cell(row=5, column=3, value="NO-SUCH-TYPE")  # capability of the fourth
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_excel_preview_lists_problems_and_saves_nothing(web: Web, tmp_path: Path) -> None:
    c = web.signed_in("lead")
    before = _counts(web)
    token = csrf_of(c, "/import")
    content = _bad_workbook(tmp_path)
    r = c.post("/import", data={"csrf_token": token},
               files={"file": ("force.xlsx", content, "application/octet-stream")})
    assert r.status_code == 422
    assert 'data-testid="problems"' in r.text and "nothing was imported" in r.text
    assert "force.xlsx[pledges]" in r.text and "quantity" in r.text and "lots" in r.text
    assert "forcegen-import-" not in r.text  # the server's temp folder is not shown
    assert 'name="token"' not in r.text  # no way to confirm a bad file
    assert _counts(web) == before


def test_preview_then_confirm_replaces_the_data(web: Web) -> None:
    c = web.signed_in("lead")
    before = _counts(web)
    doc = {
        "forcegen": 1, "name": "Small force",
        "nations": [{"code": "FRA"}, {"code": "DEU"}],
        "sectors": [{"id": "north", "at": [30.5, 50.4]}],
        "requirements": [{"id": "R-1", "capability": "ROLE1-MED", "quantity": 1,
                          "sector": "north", "notice_days": 30}],
        "pledges": [{"id": "P-1", "nation": "FRA", "capability": "ROLE1-MED", "quantity": 1,
                     "personnel": 60, "notice_days": 10, "status": "approved"}],
    }
    token = csrf_of(c, "/import")
    r = c.post("/import", data={"csrf_token": token},
               files={"file": ("scenario.yaml", yaml.safe_dump(doc).encode())})
    assert r.status_code == 200 and 'data-testid="preview"' in r.text
    assert _counts(web) == before  # the preview saved nothing
    upload = re.search(r'name="token" value="([^"]+)"', r.text)
    assert upload
    # Another planner cannot confirm someone else's upload.
    other = web.signed_in("admin")
    r2 = other.post("/import/confirm", data={"csrf_token": csrf_of(other), "token": upload[1]})
    assert r2.status_code == 410 and _counts(web) == before
    r = c.post("/import/confirm", data={"csrf_token": token, "token": upload[1]})
    assert r.status_code == 303
    assert _counts(web) == (1, 1, "Small force")
